import { HttpError } from '../api';
import type { Async } from '../hooks';

/** What a failed request says in its place: short, with a retry (automatic ones for an unreachable or busy server). */
export function ErrorLine({ q }: { q: Async<unknown> }) {
  if (!q.error) return null;
  const e = q.error;
  const text =
    e instanceof HttpError
      ? e.status === 429
        ? 'Too many queries for now.'
        : e.status >= 500
          ? 'The server could not answer this.'
          : e.message
      : 'Cannot reach the server.';
  return (
    <p class="error" role="alert" data-error data-retrying={q.retryAt ? 'true' : undefined}>
      {text} {q.retryAt ? <span class="muted">Trying again…</span> : null}
      {q.retry && (
        <button class="link-button" onClick={q.retry}>
          Retry
        </button>
      )}
    </p>
  );
}
