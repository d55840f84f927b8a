import { filteredGoals } from './TopStats';
import { api, type Filter, type QueryResult } from '../api';
import type { Ctx } from '../ctx';
import { prime, useAsync } from '../hooks';
import { Panel, tabBody, type Tab } from './Panel';
import { WorldMap } from './WorldMap';
import { flagOf } from '../format';

const VISIT_DETAILS = ['visitors', 'visits', 'bounce_rate', 'visit_duration'];

export function SourcesPanel({ ctx }: { ctx: Ctx }) {
  const utm = (key: string, label: string): Tab => ({ key, label, group: 'UTM', dimension: `visit:${key}`, metric: 'visitors', details: VISIT_DETAILS });
  return (
    <Panel
      ctx={ctx}
      name="sources"
      title="Top sources"
      tabs={[
        { key: 'channels', label: 'Channels', dimension: 'visit:channel', metric: 'visitors', details: VISIT_DETAILS },
        { key: 'sources', label: 'Sources', dimension: 'visit:source', metric: 'visitors', details: VISIT_DETAILS },
        utm('utm_medium', 'UTM mediums'),
        utm('utm_source', 'UTM sources'),
        utm('utm_campaign', 'UTM campaigns'),
        utm('utm_content', 'UTM contents'),
        utm('utm_term', 'UTM terms'),
      ]}
    />
  );
}

export function PagesPanel({ ctx }: { ctx: Ctx }) {
  // Under a goal filter the pages are where the conversions happened (as Plausible's); else pageviews only (a custom
  // event's page is not a view of it).
  const goal = ctx.effective.some((f) => f[1] === 'event:goal');
  const top: Tab = goal
    ? { key: 'top', label: 'Top pages', dimension: 'event:page', metric: 'visitors', metricLabel: 'Conversions', details: ['visitors', 'events', 'conversion_rate'] }
    : { key: 'top', label: 'Top pages', dimension: 'event:page', metric: 'visitors', details: ['visitors', 'pageviews', 'bounce_rate', 'time_on_page', 'scroll_depth'], filters: [['is', 'event:name', ['pageview']]] };
  return (
    <Panel
      ctx={ctx}
      name="pages"
      title="Top pages"
      tabs={[
        top,
        { key: 'entry', label: 'Entry pages', dimension: 'visit:entry_page', metric: 'visitors', metricLabel: 'Unique entrances', details: ['visitors', 'visits', 'bounce_rate', 'visit_duration'] },
        { key: 'exit', label: 'Exit pages', dimension: 'visit:exit_page', metric: 'visitors', metricLabel: 'Unique exits', details: ['visitors', 'visits'] },
      ]}
    />
  );
}

export function LocationsPanel({ ctx }: { ctx: Ctx }) {
  return (
    <Panel
      ctx={ctx}
      name="locations"
      title="Locations"
      tabs={[
        { key: 'map', label: 'Map', dimension: 'visit:country', metric: 'visitors', details: ['visitors'], custom: (c) => <WorldMap ctx={c} /> },
        {
          key: 'countries',
          label: 'Countries',
          dimension: 'visit:country_name',
          metric: 'visitors',
          details: ['visitors', 'percentage'],
          show: (name) => (
            <>
              <span class="flag" aria-hidden="true">
                {flagOf(name)}
              </span>
              {name}
            </>
          ),
        },
        { key: 'regions', label: 'Regions', dimension: 'visit:region_name', metric: 'visitors', details: ['visitors', 'percentage'] },
        { key: 'cities', label: 'Cities', dimension: 'visit:city_name', metric: 'visitors', details: ['visitors', 'percentage'] },
      ]}
    />
  );
}

function only(filters: Filter[], dim: string): string | null {
  const f = filters.find((x) => x[1] === dim && x[0] === 'is' && x[2].length === 1);
  return f ? f[2][0]! : null;
}

export function DevicesPanel({ ctx }: { ctx: Ctx }) {
  const browser = only(ctx.effective, 'visit:browser');
  const os = only(ctx.effective, 'visit:os');
  const d = ['visitors', 'percentage', 'bounce_rate', 'visit_duration'];
  return (
    <Panel
      ctx={ctx}
      name="devices"
      title="Devices"
      tabs={[
        browser
          ? { key: 'browsers', label: 'Browsers', dimension: 'visit:browser_version', metric: 'visitors', details: d, show: (v) => `${browser} ${v}` }
          : { key: 'browsers', label: 'Browsers', dimension: 'visit:browser', metric: 'visitors', details: d },
        os
          ? { key: 'os', label: 'Operating systems', dimension: 'visit:os_version', metric: 'visitors', details: d, show: (v) => `${os} ${v}` }
          : { key: 'os', label: 'Operating systems', dimension: 'visit:os', metric: 'visitors', details: d },
        { key: 'sizes', label: 'Screen sizes', dimension: 'visit:device', metric: 'visitors', details: d },
      ]}
    />
  );
}

export function GoalsPanel({ ctx }: { ctx: Ctx }) {
  const revenue = ctx.site.goals.some((g) => g.currency);
  const details = ['visitors', 'events', 'conversion_rate', ...(revenue ? ['total_revenue', 'average_revenue'] : [])];
  return (
    <Panel
      ctx={ctx}
      name="goals"
      title="Goal conversions"
      tabs={[{ key: 'goals', label: 'Goals', dimension: 'event:goal', metric: 'visitors', metricLabel: 'Uniques', details }]}
    />
  );
}

const propTab = (k: string): Tab => ({ key: k, label: k, group: 'Property', dimension: `event:props:${k}`, metric: 'visitors', details: ['visitors', 'events', 'percentage'] });

export function PropsPanel({ ctx }: { ctx: Ctx }) {
  const dr = ctx.body({ metrics: [] }).date_range;
  const firstBody = (k: string) => tabBody(ctx, propTab(k), ['visitors'], 9);
  // under a goal filter: the properties of the goal's events (a page goal's are the pageviews')
  const goals = ctx.effective.some((f) => f[1] === 'event:goal') ? filteredGoals(ctx) : [];
  const eventNames = [...new Set(goals.map((g) => (g.name.startsWith('Visit ') ? 'pageview' : g.name)))];
  const keys = useAsync(JSON.stringify(['props', ctx.site.domain, dr, ctx.state.filters]), async (signal) => {
    // the keys, and the rows of the most used one in the same round trip
    const r = await api<{ keys: string[]; first?: QueryResult }>('POST', 'prop-keys', { site_id: ctx.site.domain, date_range: dr, first: firstBody('*'), event_names: eventNames }, signal);
    if (r.first && r.keys[0] !== undefined) prime(JSON.stringify(firstBody(r.keys[0])), r.first);
    return r;
  });
  const list = keys.data?.keys ?? [];
  if (keys.data && list.length === 0)
    return (
      <section class="card panel" data-panel="props" aria-label="Custom properties">
        <header>
          <h2>Custom properties</h2>
        </header>
        <p class="empty">No custom properties in this period</p>
      </section>
    );
  if (!keys.data) return <section class="card panel" data-panel="props" aria-busy="true" aria-label="Custom properties" />;
  return (
    <Panel
      ctx={ctx}
      name="props"
      title="Custom properties"
      tabs={list.map(propTab)}
    />
  );
}
