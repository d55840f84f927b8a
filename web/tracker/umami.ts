/**
 * Footfall's Umami-compatible tracker, served at /script.js: the script tag and the `umami` API of Umami's tracker
 * (data-website-id, data-host-url, data-auto-track, data-domains, data-do-not-track, data-exclude-search,
 * data-exclude-hash, data-tag, data-before-send, data-fetch-credentials; umami.track, umami.identify; clicks on
 * data-umami-event elements; single-page navigation), posting Umami's `{type, payload}` to /api/send. Written for
 * Footfall from Umami's documented behaviour.
 */
type Payload = Record<string, unknown>;

(function () {
  const w = window as unknown as Record<string, unknown> & Window;
  const d = document;
  const loc = location;
  const script = d.currentScript as HTMLScriptElement | null;
  if (!script) return;
  const attr = (k: string) => script.getAttribute(`data-${k}`);
  const website = attr('website-id');
  if (!website) return;
  const hostUrl = attr('host-url');
  const tag = attr('tag') || undefined;
  const autoTrack = attr('auto-track') !== 'false';
  const dnt = attr('do-not-track') === 'true';
  const excludeSearch = attr('exclude-search') === 'true';
  const excludeHash = attr('exclude-hash') === 'true';
  const domains = (attr('domains') || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const credentials = (attr('fetch-credentials') || 'omit') as RequestCredentials;
  const beforeSend = attr('before-send');
  const base = hostUrl ? hostUrl.replace(/\/+$/, '') : script.src.split('/').slice(0, -1).join('/');
  const endpoint = `${base}/api/send`;

  const href = (): string => {
    const u = new URL(loc.href);
    if (excludeSearch) u.search = '';
    if (excludeHash) u.hash = '';
    return u.toString();
  };
  let cache: string | undefined;
  let identity: string | undefined;
  let stopped = false;
  let currentUrl = href();
  let currentRef = d.referrer && !d.referrer.startsWith(loc.origin) ? d.referrer : '';

  const disabled = (): boolean => {
    if (stopped) return true;
    try {
      if (localStorage.getItem('umami.disabled')) return true;
    } catch {
      /* storage blocked */
    }
    if (domains.length && !domains.includes(loc.hostname)) return true;
    const nav = navigator as Navigator & { msDoNotTrack?: string };
    if (dnt && (nav.doNotTrack === '1' || nav.msDoNotTrack === '1' || (w as unknown as { doNotTrack?: string }).doNotTrack === '1')) return true;
    return false;
  };

  const payload = (): Payload => ({
    website,
    screen: `${screen.width}x${screen.height}`,
    language: navigator.language,
    title: d.title,
    hostname: loc.hostname,
    url: currentUrl,
    referrer: currentRef,
    tag,
    id: identity,
  });

  const send = async (p: Payload | null | undefined, type = 'event'): Promise<unknown> => {
    if (!p || disabled()) return;
    const hook = beforeSend ? (w[beforeSend] as ((t: string, p: Payload) => Payload | Promise<Payload> | null) | undefined) : undefined;
    if (typeof hook === 'function') {
      p = await hook(type, p);
      if (!p) return;
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (cache) headers['x-umami-cache'] = cache;
    try {
      const res = await fetch(endpoint, { method: 'POST', keepalive: true, body: JSON.stringify({ type, payload: p }), headers, credentials });
      const data = (await res.json()) as { cache?: string; disabled?: boolean } | null;
      if (data?.disabled) stopped = true;
      if (data?.cache) cache = data.cache;
      return data;
    } catch {
      /* offline: nothing to do */
    }
  };

  const track = (obj?: unknown, data?: unknown): Promise<unknown> => {
    if (typeof obj === 'string') return send({ ...payload(), name: obj, data });
    if (typeof obj === 'function') return send((obj as (p: Payload) => Payload)(payload()));
    if (obj && typeof obj === 'object') return send({ ...(obj as Payload) });
    return send(payload());
  };
  const identify = (id?: unknown, data?: unknown): Promise<unknown> => {
    if (typeof id === 'string') identity = id;
    cache = undefined;
    return send({ ...payload(), data: typeof id === 'object' ? id : data }, 'identify');
  };
  w.umami = { track, identify };

  if (!autoTrack) return;
  const onNavigate = () => {
    const next = href();
    if (next === currentUrl) return;
    currentRef = currentUrl;
    currentUrl = next;
    setTimeout(() => void track(), 300);
  };
  for (const name of ['pushState', 'replaceState'] as const) {
    const orig = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = orig.apply(this, args);
      onNavigate();
      return r;
    } as History['pushState'];
  }
  addEventListener('popstate', onNavigate);
  d.addEventListener(
    'click',
    (e) => {
      const el = (e.target as Element | null)?.closest?.('[data-umami-event]');
      if (!el) return;
      const data: Record<string, string> = {};
      for (const a of Array.from(el.attributes)) {
        const m = /^data-umami-event-(.+)$/.exec(a.name);
        if (m) data[m[1]!] = a.value;
      }
      void track(el.getAttribute('data-umami-event')!, data);
    },
    true,
  );
  const start = () => void track();
  if (d.readyState === 'complete') start();
  else {
    const onState = () => {
      if (d.readyState !== 'complete') return;
      d.removeEventListener('readystatechange', onState);
      start();
    };
    d.addEventListener('readystatechange', onState);
  }
})();
