import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { invalidate, useAsync } from '../hooks';

interface SiteRow {
  domain: string;
  timezone: string;
  public: boolean;
}

export function Sites({ email, navigate, onLogout }: { email: string; navigate: (p: string) => void; onLogout: () => void }) {
  const [n, setN] = useState(0);
  const sites = useAsync(`sites:${n}`, (signal) => api<SiteRow[]>('GET', 'sites', undefined, signal));
  const [domain, setDomain] = useState('');
  const [tz, setTz] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'Etc/UTC');
  const [error, setError] = useState('');
  return (
    <main class="narrow">
      <header class="bar">
        <h1 class="brand">Footfall</h1>
        <div class="controls">
          <span class="muted">{email}</span>
          <button onClick={async () => (await api('POST', 'logout', {}), onLogout())}>Log out</button>
        </div>
      </header>
      <section class="card" aria-label="Sites">
        <h2>Sites</h2>
        {sites.error && <p class="error">{sites.error.message}</p>}
        <ul class="site-list">
          {(sites.data ?? []).map((s) => (
            <li data-site={s.domain}>
              <a href={`/${s.domain}`} onClick={(e) => (e.preventDefault(), navigate(`/${s.domain}`))}>
                {s.domain}
              </a>
              <span class="muted">{s.timezone}</span>
            </li>
          ))}
        </ul>
        {sites.data && sites.data.length === 0 && <p class="empty">No sites yet: add one below.</p>}
      </section>
      <form
        class="card inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError('');
          try {
            await api('POST', 'sites', { domain, timezone: tz });
            setDomain('');
            invalidate();
            setN(n + 1);
          } catch (err) {
            setError(err instanceof HttpError ? err.message : 'Could not add the site');
          }
        }}
      >
        <h2>Add a site</h2>
        <label>
          Domain
          <input required placeholder="example.com" value={domain} onInput={(e) => setDomain((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Time zone
          <input required value={tz} onInput={(e) => setTz((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Add site
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
