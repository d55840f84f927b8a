import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { invalidate, useAsync } from '../hooks';

interface SiteRow {
  domain: string;
  timezone: string;
  public: boolean;
  role: string;
  team: string;
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
              <span class="muted">
                {s.role} · {s.team}
                {s.role !== 'owner' && (
                  <button
                    class="link-button"
                    aria-label={`Leave the team of ${s.domain}`}
                    onClick={async () => {
                      if (!confirm(`Leave ${s.team}? You will no longer see its sites.`)) return;
                      try {
                        await api('POST', 'settings', { site: s.domain, action: 'leave' });
                        invalidate();
                        setN(n + 1);
                      } catch (err) {
                        setError(err instanceof HttpError ? err.message : 'Could not leave the team');
                      }
                    }}
                  >
                    Leave
                  </button>
                )}
              </span>
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
            const added = await api<{ domain: string }>('POST', 'sites', { domain, timezone: tz });
            setDomain('');
            invalidate();
            // next step: the site's page, which shows the snippet until the first event arrives
            navigate(`/${added.domain}`);
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
      <PasswordForm />
      <LazyAccount />
    </main>
  );
}

/** The user's own password: the current one, then the new one twice. Other logins of the account end. */
function PasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <form
      class="card inline-form"
      data-form="password"
      onSubmit={async (e) => {
        e.preventDefault();
        setMessage(null);
        if (next !== again) return setMessage({ ok: false, text: 'The new passwords differ' });
        try {
          await api('POST', 'password', { current, password: next });
          setCurrent('');
          setNext('');
          setAgain('');
          setMessage({ ok: true, text: 'Password changed; your other logins have ended' });
        } catch (err) {
          setMessage({ ok: false, text: err instanceof HttpError ? err.message : 'Could not change the password' });
        }
      }}
    >
      <h2>Change your password</h2>
      <label>
        Current password
        <input type="password" required autocomplete="current-password" value={current} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        New password
        <input type="password" required minLength={8} autocomplete="new-password" value={next} onInput={(e) => setNext((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        New password again
        <input type="password" required minLength={8} autocomplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Change password</button>
      {message && (
        <p class={message.ok ? 'muted' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** The account panel (keys, two-factor with its QR code library) is a chunk of its own. */
function LazyAccount() {
  const mod = useAsync('account-module', () => import('./Account'));
  return mod.data ? <mod.data.Account /> : null;
}
