import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { invalidate, useAsync } from '../hooks';

interface SettingsData {
  site: { domain: string; timezone: string; public: boolean; rateLimitPerMinute: number; rateLimitBurst: number };
  defaultRateLimit: { perMinute: number; burst: number };
  goals: Array<{ id: number; name: string; currency: string }>;
  shields: Array<{ kind: string; value: string }>;
  links: Array<{ id: number; name: string; hasPassword: boolean; createdAt: string }>;
  keys: Array<{ id: number; name: string; prefix: string; createdAt: string }>;
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card settings-section" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

const TIMEZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

/** Site settings: the CLI's operations (time zone, goals, shields, rate limit, links, keys) for the site's users. */
export function Settings({ domain, navigate }: { domain: string; navigate: (p: string) => void }) {
  const [n, setN] = useState(0);
  const loaded = useAsync(`settings:${domain}:${n}`, (signal) => api<SettingsData>('GET', `settings?site=${encodeURIComponent(domain)}`, undefined, signal));
  const [error, setError] = useState('');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const s = loaded.data;
  const act = async (body: Record<string, unknown>, form?: HTMLFormElement) => {
    setError('');
    try {
      const r = await api<{ result: Record<string, unknown> }>('POST', 'settings', { site: domain, ...body });
      if (body.action === 'link-add') setSecret({ label: 'Shared link (shown only now)', value: `${location.origin}/share/${domain}?auth=${r.result.token as string}` });
      if (body.action === 'key-create') setSecret({ label: 'API key (shown only now)', value: r.result.key as string });
      form?.reset();
      invalidate();
      setN(n + 1);
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'The change failed');
    }
  };
  const onForm = (action: string, fields: string[]) => (e: Event) => {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const data = new FormData(f);
    const body: Record<string, unknown> = { action };
    for (const k of fields) body[k] = (data.get(k) as string | null) ?? '';
    void act(body, f);
  };
  if (loaded.error) return <main class="narrow"><p class="error">{loaded.error.message}</p></main>;
  if (!s) return <main class="narrow" aria-busy="true" />;
  return (
    <main class="narrow settings">
      <header class="bar">
        <div class="site">
          <a href={`/${domain}`} class="back" aria-label="Back to the dashboard" onClick={(e) => (e.preventDefault(), navigate(`/${domain}`))}>
            ←
          </a>
          <h1>Settings of {domain}</h1>
        </div>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <div class="card secret" role="status">
          <strong>{secret.label}</strong>
          <input readOnly value={secret.value} onFocus={(e) => (e.target as HTMLInputElement).select()} aria-label={secret.label} />
        </div>
      )}
      <Section title="General">
        <form class="inline-form" onSubmit={onForm('timezone', ['timezone'])}>
          <label>
            Time zone
            <select name="timezone" value={s.site.timezone}>
              {(TIMEZONES.includes(s.site.timezone) ? TIMEZONES : [s.site.timezone, ...TIMEZONES]).map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
          <button type="submit">Save time zone</button>
        </form>
        <label class="check">
          <input type="checkbox" checked={s.site.public} onChange={(e) => act({ action: 'public', public: (e.target as HTMLInputElement).checked })} />
          Public dashboard: anyone with the address can see this site's stats
        </label>
      </Section>
      <Section title="Goals">
        <ul class="list">
          {s.goals.map((g) => (
            <li data-goal={g.name}>
              <span>
                {g.name}
                {g.currency && <span class="muted"> (revenue in {g.currency})</span>}
              </span>
              <button onClick={() => act({ action: 'goal-remove', goal: String(g.id) })} aria-label={`Remove goal ${g.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={onForm('goal-add', ['event', 'page', 'currency'])}>
          <label>
            Custom event
            <input name="event" placeholder="Signup" />
          </label>
          <label>
            or page path
            <input name="page" placeholder="/pricing*" />
          </label>
          <label>
            Currency
            <input name="currency" placeholder="EUR" size={4} />
          </label>
          <button type="submit">Add goal</button>
        </form>
      </Section>
      <Section title="Shields">
        <ul class="list">
          {s.shields.map((r) => (
            <li>
              <span>
                {r.kind}: {r.value}
              </span>
              <button onClick={() => act({ action: 'shield-remove', kind: r.kind, value: r.value })}>Remove</button>
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={onForm('shield-add', ['kind', 'value'])}>
          <label>
            Kind
            <select name="kind">
              <option value="ip">IP address or range (blocked)</option>
              <option value="country">Country code (blocked)</option>
              <option value="page">Page pattern (blocked)</option>
              <option value="hostname">Hostname pattern (only these allowed)</option>
            </select>
          </label>
          <label>
            Value
            <input name="value" required />
          </label>
          <button type="submit">Add shield</button>
        </form>
      </Section>
      <Section title="Ingestion rate limit">
        <p class="muted">
          Events a minute and burst for this site; 0 and 0 use the default ({s.defaultRateLimit.perMinute || 'unlimited'} a minute, burst {s.defaultRateLimit.burst}).
        </p>
        <form class="inline-form" onSubmit={onForm('rate-limit', ['perMinute', 'burst'])}>
          <label>
            Per minute
            <input name="perMinute" type="number" min="0" value={s.site.rateLimitPerMinute} />
          </label>
          <label>
            Burst
            <input name="burst" type="number" min="0" value={s.site.rateLimitBurst} />
          </label>
          <button type="submit">Save rate limit</button>
        </form>
      </Section>
      <Section title="Shared links">
        <ul class="list">
          {s.links.map((l) => (
            <li data-link={l.name}>
              <span>
                {l.name}
                {l.hasPassword && <span class="muted"> (password)</span>}
              </span>
              <button onClick={() => act({ action: 'link-remove', id: l.id })}>Remove</button>
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={onForm('link-add', ['name', 'password'])}>
          <label>
            Name
            <input name="name" required placeholder="Team" />
          </label>
          <label>
            Password (optional)
            <input name="password" type="password" autoComplete="new-password" />
          </label>
          <button type="submit">Create link</button>
        </form>
      </Section>
      <Section title="API keys">
        <p class="muted">Keys read every site through the Stats API (v1 and v2).</p>
        <ul class="list">
          {s.keys.map((k) => (
            <li>
              <span>
                {k.name} <code>{k.prefix}…</code>
              </span>
              <button onClick={() => act({ action: 'key-revoke', id: k.id })}>Revoke</button>
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={onForm('key-create', ['name'])}>
          <label>
            Name
            <input name="name" required placeholder="Reporting" />
          </label>
          <button type="submit">Create key</button>
        </form>
      </Section>
    </main>
  );
}
