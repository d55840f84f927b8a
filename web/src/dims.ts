/** Every dimension the filter menu offers, with the label people see. */
export const DIMENSIONS: Array<{ dim: string; label: string; group: string }> = [
  { dim: 'event:page', label: 'Page', group: 'Pages' },
  { dim: 'visit:entry_page', label: 'Entry page', group: 'Pages' },
  { dim: 'visit:exit_page', label: 'Exit page', group: 'Pages' },
  { dim: 'event:hostname', label: 'Hostname', group: 'Pages' },
  { dim: 'visit:channel', label: 'Channel', group: 'Sources' },
  { dim: 'visit:source', label: 'Source', group: 'Sources' },
  { dim: 'visit:referrer', label: 'Referrer URL', group: 'Sources' },
  { dim: 'visit:utm_medium', label: 'UTM medium', group: 'Sources' },
  { dim: 'visit:utm_source', label: 'UTM source', group: 'Sources' },
  { dim: 'visit:utm_campaign', label: 'UTM campaign', group: 'Sources' },
  { dim: 'visit:utm_content', label: 'UTM content', group: 'Sources' },
  { dim: 'visit:utm_term', label: 'UTM term', group: 'Sources' },
  { dim: 'visit:country_name', label: 'Country', group: 'Locations' },
  { dim: 'visit:region_name', label: 'Region', group: 'Locations' },
  { dim: 'visit:city_name', label: 'City', group: 'Locations' },
  { dim: 'visit:browser', label: 'Browser', group: 'Devices' },
  { dim: 'visit:browser_version', label: 'Browser version', group: 'Devices' },
  { dim: 'visit:os', label: 'Operating system', group: 'Devices' },
  { dim: 'visit:os_version', label: 'OS version', group: 'Devices' },
  { dim: 'visit:device', label: 'Screen size', group: 'Devices' },
  { dim: 'event:goal', label: 'Goal', group: 'Behaviour' },
  { dim: 'event:name', label: 'Event name', group: 'Behaviour' },
];

export const OPERATORS: Array<{ op: 'is' | 'is_not' | 'contains' | 'contains_not'; label: string }> = [
  { op: 'is', label: 'is' },
  { op: 'is_not', label: 'is not' },
  { op: 'contains', label: 'contains' },
  { op: 'contains_not', label: 'does not contain' },
];

/** The operators a dimension takes: goals only `is` and `contains` (the Stats API's rule, as Plausible's). */
export function operatorsFor(dim: string): typeof OPERATORS {
  return dim === 'event:goal' ? OPERATORS.filter((o) => o.op === 'is' || o.op === 'contains') : OPERATORS;
}

export function dimLabel(dim: string): string {
  if (dim.startsWith('event:props:')) return `Property ${dim.slice('event:props:'.length)}`;
  return DIMENSIONS.find((d) => d.dim === dim)?.label ?? dim;
}

export const opLabel = (op: string): string => OPERATORS.find((o) => o.op === op)?.label ?? op.replace('_', ' ');
