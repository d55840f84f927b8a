/** The referrer as stored and the source it implies, before any mapping to known source names. */
export interface ReferrerInfo {
  /** host without `www.` + path without trailing `/`; android-app referrers keep their scheme. '' when none. */
  referrer: string;
  /** host without `www.` ('' when the referrer is absent, invalid, local or a self-referral). */
  host: string;
}

const NO_REFERRER: ReferrerInfo = { referrer: '', host: '' };

/** The referrer as a URL, or null when it is absent or not an absolute url (parsed once per request). */
export function referrerUrl(raw: string | null): URL | null {
  if (!raw) return null;
  try {
    return new URL(raw.trim());
  } catch {
    return null;
  }
}

/**
 * Valid referrers are http, https and android-app urls with a host. A referrer from the page's own host
 * (self-referral) or from localhost is no referrer.
 */
export function parseReferrer(raw: string | URL | null, pageHostname: string): ReferrerInfo {
  const u = typeof raw === 'string' ? referrerUrl(raw) : raw;
  if (!u) return NO_REFERRER;
  const scheme = u.protocol;
  if (scheme !== 'http:' && scheme !== 'https:' && scheme !== 'android-app:') return NO_REFERRER;
  let host = u.hostname.toLowerCase();
  if (!host) return NO_REFERRER;
  if (host.startsWith('www.')) host = host.slice(4);
  if (host === 'localhost' || host === pageHostname) return NO_REFERRER;
  let path = u.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  const prefix = scheme === 'android-app:' ? 'android-app://' : '';
  return { referrer: prefix + host + path, host: prefix + host };
}
