/** What an event's url tells us: where it happened and how the visitor was tagged. */
export interface UrlInfo {
  hostname: string;
  pathname: string;
  /** utm_source, else source, else ref ('' when none). */
  taggedSource: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
  /** Name of the first click-id parameter present ('' when none). */
  click_id_param: string;
}

export const CLICK_ID_PARAMS = ['gclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'twclid'] as const;
const NONE = '(none)';

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function stripWww(h: string): string {
  return h.startsWith('www.') ? h.slice(4) : h;
}

/**
 * Parses an event url (already validated as parsable). Relative urls (`/blog`) have hostname `(none)`.
 * App urls such as `app://localhost/login` give pathname `/login`.
 */
export function deriveFromUrl(rawUrl: string, hashMode: boolean): UrlInfo {
  let u: URL;
  let hostname: string;
  if (URL.canParse(rawUrl)) {
    u = new URL(rawUrl);
    hostname = stripWww(u.hostname.toLowerCase()) || NONE;
  } else {
    u = new URL(rawUrl, 'http://relative.invalid');
    hostname = NONE;
  }
  let pathname = decode(u.pathname).trimEnd();
  if (pathname === '') pathname = '/';
  if (hashMode && u.hash.length > 1) pathname += '#' + decode(u.hash.slice(1));

  const q = u.searchParams;
  const get = (k: string): string => (q.get(k) ?? '').trim();
  let click = '';
  for (const p of CLICK_ID_PARAMS) {
    if (q.has(p)) {
      click = p;
      break;
    }
  }
  return {
    hostname,
    pathname,
    taggedSource: get('utm_source') || get('source') || get('ref'),
    utm_medium: get('utm_medium'),
    utm_campaign: get('utm_campaign'),
    utm_content: get('utm_content'),
    utm_term: get('utm_term'),
    click_id_param: click,
  };
}
