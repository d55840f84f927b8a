/**
 * The realistic event mix of the ingestion benchmarks: 1,000 distinct User-Agents (desktop and mobile browsers), a
 * new client address every few requests (tens of thousands in a run, each visitor sending several events), 20 sites,
 * 80 % pageviews with referrers, UTM tags and a prop, 20 % custom events with a prop.
 */
export const SITES = Array.from({ length: 20 }, (_, i) => `site${i}.example`);

export const USER_AGENTS = Array.from({ length: 1000 }, (_, i) =>
  i % 3 === 0
    ? `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + (i % 40)}.0.${i}.0 Safari/537.36`
    : i % 3 === 1
      ? `Mozilla/5.0 (iPhone; CPU iPhone OS 17_${i % 7} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${i % 5} Mobile/15E148 Safari/604.${i}`
      : `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_${i % 8}; rv:${110 + (i % 20)}.0) Gecko/20100101 Firefox/${110 + (i % 20)}.${i}`,
);

const REFERRERS = ['https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/x', ''];

/** Request `i` of the mix: its body and headers (a visitor = an address and a User-Agent, for 4 requests in a row). */
export function realisticRequest(i: number): { body: string; headers: Record<string, string> } {
  const visitor = i >> 2;
  const site = SITES[visitor % SITES.length]!;
  const body =
    i % 5 === 4
      ? JSON.stringify({ n: 'Signup', u: `https://${site}/pricing`, d: site, p: { plan: visitor % 2 ? 'pro' : 'free' } })
      : JSON.stringify({ n: 'pageview', u: `https://${site}/blog/post-${(visitor * 7 + i) % 500}?utm_source=news&utm_campaign=c${visitor % 30}`, d: site, r: REFERRERS[visitor % 4], p: { author: `a${visitor % 50}` } });
  const ip = `${11 + (visitor % 200)}.${(visitor >> 8) & 255}.${(visitor >> 3) & 255}.${(visitor * 7) % 250}`;
  return { body, headers: { 'content-type': 'text/plain', 'user-agent': USER_AGENTS[visitor % USER_AGENTS.length]!, 'x-forwarded-for': ip } };
}
