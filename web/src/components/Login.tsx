import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';

export function Login({ onDone }: { onDone: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api('POST', 'login', { email, password });
      onDone();
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'Could not log in');
    } finally {
      setBusy(false);
    }
  };
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
