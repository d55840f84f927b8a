import { useEffect, useState } from 'preact/hooks';
import type { Filter } from '../api';
import { isSegment, withFilter, type Ctx } from '../ctx';
import { DIMENSIONS, dimLabel, operatorsFor, opLabel } from '../dims';
import { useAsync, useQuery } from '../hooks';
import { api } from '../api';
import { countryName } from './WorldMap';
import { Modal } from './Modal';

function valueLabel(dim: string, v: string): string {
  return dim === 'visit:country' ? countryName(v) : v;
}

/** The active filters as removable chips. */
export function FilterChips({ ctx }: { ctx: Ctx }) {
  if (!ctx.state.filters.length) return null;
  return (
    <ul class="chips" aria-label="Filters">
      {ctx.state.filters.map((f, i) => (
        <li class="chip" data-filter={f[1]}>
          {isSegment(f) ? (
            <span>
              Segment <strong>{ctx.segments.find((s) => String(s.id) === f[2][0])?.name ?? '…'}</strong>
            </span>
          ) : (
            <span>
              {dimLabel(f[1])} <em>{opLabel(f[0])}</em> <strong>{f[2].map((v) => valueLabel(f[1], v)).join(' or ')}</strong>
            </span>
          )}
          <button aria-label={`Remove filter ${dimLabel(f[1])}`} onClick={() => ctx.update({ filters: ctx.state.filters.filter((_, j) => j !== i) })}>
            ×
          </button>
        </li>
      ))}
      {ctx.state.filters.length > 1 && (
        <li>
          <button class="link" onClick={() => ctx.update({ filters: [] })}>
            Clear all
          </button>
        </li>
      )}
    </ul>
  );
}

/** The filter menu: any dimension, the Stats API's operators, and value suggestions from the data. */
export function FilterMenu({ ctx, onClose }: { ctx: Ctx; onClose: () => void }) {
  const [dim, setDim] = useState(DIMENSIONS[0]!.dim);
  // custom properties of the period, offered beside the fixed dimensions
  const dr = ctx.body({ metrics: [] }).date_range;
  const props = useAsync(JSON.stringify(['filter-props', ctx.site.domain, dr]), (signal) => api<{ keys: string[] }>('POST', 'prop-keys', { site_id: ctx.site.domain, date_range: dr }, signal));
  const [op, setOp] = useState<Filter[0]>('is');
  const [value, setValue] = useState('');
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setTyped(value.trim()), 200);
    return () => clearTimeout(t);
  }, [value]);
  const others = ctx.state.filters.filter((f) => f[1] !== dim);
  const suggestions = useQuery(
    ctx.body({
      metrics: ['visitors'],
      dimensions: [dim],
      filters: typed ? [...others, ['contains', dim, [typed]]] : others,
      pagination: { limit: 25, offset: 0 },
    }),
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const v = value.trim();
    if (!v) return;
    const allowed = operatorsFor(dim).some((o) => o.op === op) ? op : 'is';
    ctx.update({ filters: withFilter(ctx.state.filters, [allowed, dim, [v]]) });
    onClose();
  };
  return (
    <Modal title="Filter" onClose={onClose}>
      <form class="filter-form" onSubmit={submit}>
        <label>
          Dimension
          <select value={dim} onChange={(e) => setDim((e.target as HTMLSelectElement).value)}>
            {[...new Set(DIMENSIONS.map((d) => d.group))].map((g) => (
              <optgroup label={g}>
                {DIMENSIONS.filter((d) => d.group === g).map((d) => (
                  <option value={d.dim}>{d.label}</option>
                ))}
              </optgroup>
            ))}
            {(props.data?.keys.length ?? 0) > 0 && (
              <optgroup label="Custom properties">
                {props.data!.keys.map((k) => (
                  <option value={`event:props:${k}`}>{k}</option>
                ))}
              </optgroup>
            )}
          </select>
        </label>
        <label>
          Operator
          <select value={op} onChange={(e) => setOp((e.target as HTMLSelectElement).value as Filter[0])}>
            {operatorsFor(dim).map((o) => (
              <option value={o.op}>{o.label}</option>
            ))}
          </select>
        </label>
        <label>
          Value
          <input list="filter-values" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} autoComplete="off" required />
          <datalist id="filter-values">
            {(suggestions.data?.results ?? []).map((r) => (
              <option value={r.dimensions[0]} />
            ))}
          </datalist>
        </label>
        <button type="submit" class="primary">
          Apply filter
        </button>
      </form>
    </Modal>
  );
}
