import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { invalidate, useAsync } from '../hooks';

/** A fresh server: the owner account, made with the one-time token from the server's log (`?setup=` in its link). */
function FirstAccount({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState(() => new URLSearchParams(location.search).get('setup') ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      <form
        class="card login"
        data-form="setup"
        aria-label="Create the owner account"
        onSubmit={async (e) => {
          e.preventDefault();
          setError('');
          try {
            await api('POST', 'setup', { token, email, password });
            onDone();
          } catch (err) {
            setError(err instanceof HttpError ? err.message : 'Could not create the account');
          }
        }}
      >
        <h2>Welcome: create the owner account</h2>
        <p class="muted">This server has no account yet. The first one owns every site added here.</p>
        <label>
          Setup token (in the server's log, line "first run")
          <input name="token" required autoComplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Password (8 characters or more)
          <input type="password" name="password" autoComplete="new-password" minLength={8} required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Create account
        </button>
      </form>
    </main>
  );
}

export function Login({ onDone }: { onDone: () => void }) {
  const me = useAsync('login-me', (signal) => api<{ email: string | null; setup?: boolean }>('GET', 'me', undefined, signal));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [secondStep, setSecondStep] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (secondStep) {
        await api('POST', 'login/2fa', { code });
        return onDone();
      }
      const r = await api<{ twoFactorRequired?: boolean }>('POST', 'login', { email, password });
      if (r.twoFactorRequired) {
        setSecondStep(true);
        setPassword('');
        return;
      }
      onDone();
    } catch (err) {
      if (err instanceof HttpError && secondStep && /expired/.test(err.message)) setSecondStep(false);
      setError(err instanceof HttpError ? err.message : 'Could not log in');
    } finally {
      setBusy(false);
    }
  };
  if (me.data?.setup) return <FirstAccount onDone={onDone} />;
  if (secondStep)
    return (
      <main class="narrow">
        <h1 class="brand">Footfall</h1>
        <form class="card login" onSubmit={submit} aria-label="Two-factor code" data-form="second-factor">
          <h2>Two-factor authentication</h2>
          <label>
            Code from your authenticator app, or a recovery code
            <input name="code" autoComplete="one-time-code" inputMode="numeric" required autoFocus value={code} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            Verify
          </button>
        </form>
      </main>
    );
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      <form class="card login" onSubmit={submit} aria-label="Log in">
        <h2>Log in</h2>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Log in
        </button>
        <p class="hint">
          No account yet? Create the first one on the server: <code>footfall users add you@example.com</code>
        </p>
      </form>
    </main>
  );
}

export function SharePassword({ token, onDone }: { token: string; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      <form
        class="card login"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api('POST', 'share/unlock', { token, password });
            onDone();
          } catch (err) {
            setError(err instanceof HttpError ? err.message : 'Could not open the link');
          }
        }}
      >
        <h2>This shared dashboard needs a password</h2>
        <label>
          Password
          <input type="password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Open
        </button>
      </form>
    </main>
  );
}

/** `/reset/<token>`: a new password through a reset link the operator printed (`footfall users reset-link`). */
export function ResetPassword({ token, navigate }: { token: string; navigate: (p: string) => void }) {
  const who = useAsync(`reset:${token}`, (signal) => api<{ email: string }>('GET', `reset?token=${encodeURIComponent(token)}`, undefined, signal));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      {who.error ? (
        <div class="card">
          <h2>This link cannot be used</h2>
          <p>{who.error.message}</p>
        </div>
      ) : done ? (
        <div class="card" role="status">
          <h2>Password set</h2>
          <p>Your other logins have ended.</p>
          <button class="primary" onClick={() => navigate('/login')}>
            Log in
          </button>
        </div>
      ) : (
        <form
          class="card login"
          data-form="reset"
          aria-busy={!who.data}
          onSubmit={async (e) => {
            e.preventDefault();
            setError('');
            if (password !== again) return setError('The passwords differ');
            try {
              await api('POST', 'reset', { token, password });
              setDone(true);
            } catch (err) {
              setError(err instanceof HttpError ? err.message : 'Could not set the password');
            }
          }}
        >
          <h2>New password{who.data ? ` for ${who.data.email}` : ''}</h2>
          <label>
            New password
            <input type="password" required minLength={8} autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            New password again
            <input type="password" required minLength={8} autoComplete="new-password" value={again} onInput={(e) => setAgain((e.target as HTMLInputElement).value)} />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary">
            Set password
          </button>
        </form>
      )}
    </main>
  );
}

interface InvitationView {
  email: string;
  role: string;
  team: string;
  sites: string[];
  hasAccount: boolean;
  loggedInAs: string | null;
}

/** `/invite/<token>`: join a team — sign up with a password, or accept while logged in as the invited address. */
export function AcceptInvitation({ token, navigate }: { token: string; navigate: (p: string) => void }) {
  const inv = useAsync(`invitation:${token}`, (signal) => api<InvitationView>('GET', `invitation?token=${encodeURIComponent(token)}`, undefined, signal));
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const i = inv.data;
  const accept = async (body: Record<string, unknown>) => {
    setError('');
    try {
      await api('POST', 'invitation/accept', { token, ...body });
      invalidate();
      navigate('/');
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'Could not accept the invitation');
    }
  };
  const login = () => navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
  return (
    <main class="narrow">
      <h1 class="brand">Footfall</h1>
      {inv.error ? (
        <div class="card">
          <h2>This invitation cannot be used</h2>
          <p>{inv.error.message}</p>
        </div>
      ) : !i ? (
        <div class="card" aria-busy="true" />
      ) : (
        <div class="card login" data-invitation={i.email}>
          <h2>Join {i.team}</h2>
          <p>
            <strong>{i.email}</strong> is invited as <strong>{i.role}</strong>
            {i.sites.length > 0 && <> of {i.sites.join(', ')}</>}.
          </p>
          {i.loggedInAs === i.email ? (
            <button class="primary" onClick={() => accept({})}>
              Accept
            </button>
          ) : i.loggedInAs ? (
            <p class="error">You are logged in as {i.loggedInAs}: log out, then open this link again and log in as {i.email}.</p>
          ) : i.hasAccount ? (
            <button class="primary" onClick={login}>
              Log in to accept
            </button>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void accept({ password });
              }}
            >
              <label>
                Choose a password
                <input type="password" required minLength={8} autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
              </label>
              <button type="submit" class="primary">
                Create account and join
              </button>
            </form>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </main>
  );
}
