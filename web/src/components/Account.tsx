import qrcode from 'qrcode-generator';
import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { actionForm } from '../forms';
import { OneTimeSecret, type Secret } from './OneTimeSecret';
import { useAsync } from '../hooks';

interface AccountData {
  email: string;
  keys: Array<{ id: number; name: string; prefix: string; createdAt: string }>;
  twoFactor: { enabled: boolean; recoveryCodesLeft: number };
  teams: Array<{ id: number; name: string; role: string }>;
}

/** A QR code drawn as SVG rectangles (no image request, nothing inline for the CSP to refuse). */
function QrCode({ text }: { text: string }) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const cells: preact.JSX.Element[] = [];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) cells.push(<rect x={c + 4} y={r + 4} width="1" height="1" />);
  return (
    <svg class="qr" viewBox={`0 0 ${n + 8} ${n + 8}`} width="200" height="200" role="img" aria-label="QR code for the authenticator app" shape-rendering="crispEdges">
      <rect width={n + 8} height={n + 8} fill="#fff" />
      <g fill="#000">{cells}</g>
    </svg>
  );
}

/** The user's own account: API keys (they read what the user sees) and two-factor authentication. */
export function Account() {
  const [n, setN] = useState(0);
  const loaded = useAsync(`account:${n}`, (signal) => api<AccountData>('GET', 'account', undefined, signal));
  const [error, setError] = useState('');
  const [secret, setSecret] = useState<Secret | null>(null);
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const act = async (body: Record<string, unknown>, form?: HTMLFormElement) => {
    setError('');
    try {
      const r = await api<{ result: Record<string, unknown> }>('POST', 'account', body);
      if (body.action === 'key-create') setSecret({ of: 'key-create', label: 'API key (shown only now)', value: r.result.key as string });
      if (body.action === '2fa-setup') setSetup(r.result as { secret: string; uri: string });
      if (body.action === '2fa-enable') {
        setSetup(null);
        setRecovery(r.result.recoveryCodes as string[]);
      }
      if (body.action === '2fa-disable') setRecovery(null);
      form?.reset();
      setN(n + 1);
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'The change failed');
    }
  };
  const onForm = actionForm(act);
  const a = loaded.data;
  if (!a) return null;
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section class="card settings-section" aria-label="API keys" data-section="keys">
        <h2>Your API keys</h2>
        <p class="muted">Keys read the sites you can see through the Stats API (v1 and v2) and the export; they change nothing.</p>
        <ul class="list">
          {a.keys.map((k) => (
            <li data-key={k.name}>
              <span>
                {k.name} <code>{k.prefix}…</code>
              </span>
              <button onClick={() => confirm(`Revoke the key ${k.name}? Whatever uses it stops at once.`) && act({ action: 'key-revoke', id: k.id })}>Revoke</button>
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
        <OneTimeSecret secret={secret} of="key-create" />
      </section>
      <section class="card settings-section" aria-label="Two-factor authentication" data-section="2fa">
        <h2>Two-factor authentication</h2>
        {recovery && (
          <div class="secret" role="status" data-recovery-codes>
            <strong>Recovery codes (shown only now; each works once if you lose your device)</strong>
            <pre>{recovery.join('\n')}</pre>
          </div>
        )}
        {a.twoFactor.enabled ? (
          <>
            <p>
              On. {a.twoFactor.recoveryCodesLeft} recovery code{a.twoFactor.recoveryCodesLeft === 1 ? '' : 's'} left.
            </p>
            <form class="inline-form" onSubmit={onForm('2fa-disable', ['password', 'code'])}>
              <label>
                Password
                <input name="password" type="password" required autoComplete="current-password" />
              </label>
              <label>
                Code
                <input name="code" required autoComplete="one-time-code" inputMode="numeric" />
              </label>
              <button type="submit">Turn off</button>
            </form>
          </>
        ) : setup ? (
          <div class="totp-setup">
            <p>Scan this with an authenticator app, or enter the key by hand, then type the code it shows.</p>
            <QrCode text={setup.uri} />
            <p>
              Key: <code data-totp-secret>{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
            </p>
            <form class="inline-form" onSubmit={onForm('2fa-enable', ['code'])}>
              <label>
                Code
                <input name="code" required autoComplete="one-time-code" inputMode="numeric" />
              </label>
              <button type="submit" class="primary">
                Turn on
              </button>
            </form>
          </div>
        ) : (
          <>
            <p class="muted">Off. With it on, logging in asks for a code from an app on your phone as well as your password.</p>
            <form class="inline-form" onSubmit={onForm('2fa-setup', ['password'])}>
              <label>
                Password
                <input name="password" type="password" required autoComplete="current-password" />
              </label>
              <button type="submit">Set up</button>
            </form>
          </>
        )}
      </section>
    </>
  );
}
