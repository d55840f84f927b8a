import type { Ctx } from '../ctx';
import { formatMetric, numeric } from '../format';
import { useAsync, useQuery } from '../hooks';

interface Shapes {
  width: number;
  height: number;
  shapes: Record<string, string>;
}
let shapes: Promise<Shapes> | null = null;
/** The country shapes, built from world-atlas at install time and served by Footfall itself. */
function loadShapes(): Promise<Shapes> {
  const url = document.querySelector<HTMLMetaElement>('meta[name="footfall-map"]')?.content ?? '';
  return (shapes ??= fetch(url).then((r) => r.json() as Promise<Shapes>));
}

/**
 * English country names, written into the bundle at build time (web/build.mjs takes them from Node's ICU, the same
 * data as the browser's `Intl.DisplayNames`): making an `Intl.DisplayNames` in the page loads the browser's region
 * data, which cost ≈ 60 ms of the first load's main thread in a profile.
 */
declare const __COUNTRY_NAMES__: Record<string, string>;
export const countryName = (code: string): string => __COUNTRY_NAMES__[code] ?? code;

/** A world map coloured by visitors; a click filters by the country. */
export function WorldMap({ ctx }: { ctx: Ctx }) {
  const map = useAsync('world-map', () => loadShapes());
  const q = useQuery(ctx.body({ metrics: ['visitors'], dimensions: ['visit:country'], pagination: { limit: 300, offset: 0 } }), ctx.state.period === 'realtime' ? 10_000 : 0);
  const by = new Map((q.data?.results ?? []).map((r) => [r.dimensions[0]!, numeric(r.metrics[0])]));
  const max = Math.max(1, ...by.values());
  if (!map.data) return <div class="map" aria-busy="true" />;
  return (
    <div class="map">
      <svg viewBox={`0 0 ${map.data.width} ${map.data.height}`} role="img" aria-label="Visitors by country">
        {Object.entries(map.data.shapes).map(([code, d]) => {
          const v = by.get(code) ?? 0;
          const t = v ? 0.15 + 0.85 * (v / max) : 0;
          return (
            <path
              d={d}
              data-row={v ? code : undefined}
              class={v ? 'has' : ''}
              style={v ? { fillOpacity: t } : undefined}
              onClick={v ? () => ctx.addFilter(['is', 'visit:country', [code]]) : undefined}
            >
              <title>
                {countryName(code)}: {formatMetric('visitors', v)} visitors
              </title>
            </path>
          );
        })}
      </svg>
    </div>
  );
}
