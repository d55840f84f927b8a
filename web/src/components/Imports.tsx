import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { invalidate, useAsync } from '../hooks';

interface ImportInfo {
  id: number;
  source: string;
  label: string;
  startDate: string;
  endDate: string;
  status: string;
  rows: Record<string, number>;
  error: string;
  createdAt: string;
}

const SOURCE: Record<string, string> = { plausible_csv: 'Plausible CSV', events: 'Raw events', umami: 'Umami' };

/**
 * Settings › Imports & exports: upload Plausible's export (the zip), the site's imports with their days and rows
 * (removable), and the site's own data as Plausible's export. The same importer as `footfall import plausible`.
 */
export function ImportsSection({ domain }: { domain: string }) {
  const [n, setN] = useState(0);
  const list = useAsync(`imports:${domain}:${n}`, (signal) => api<{ imports: ImportInfo[] }>('GET', `imports?site=${encodeURIComponent(domain)}`, undefined, signal));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const refresh = () => {
    invalidate();
    setN(n + 1);
  };
  const upload = async (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).querySelector('input[type=file]') as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setMessage(null);
    try {
      const res = await fetch(`/api/dashboard/imports/upload?site=${encodeURIComponent(domain)}&name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' }, credentials: 'same-origin' });
      const data = (await res.json()) as { error?: string; result?: { startDate: string; endDate: string; adjusted: string | null; warnings: string[] } };
      if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
      const r = data.result!;
      setMessage({ error: false, text: `Imported ${r.startDate} to ${r.endDate}.${r.adjusted ? ` Dates adjusted: ${r.adjusted}.` : ''}${r.warnings.length ? ` ${r.warnings.join(' ')}` : ''}` });
      input.value = '';
      refresh();
    } catch (err) {
      setMessage({ error: true, text: err instanceof Error ? err.message : 'The import failed' });
    } finally {
      setBusy(false);
    }
  };
  const remove = async (i: ImportInfo) => {
    if (!confirm(`Delete the import of ${i.startDate || i.label}? Its data leaves the dashboard.`)) return;
    try {
      await api('POST', 'imports', { site: domain, action: 'remove', id: i.id });
      refresh();
    } catch (err) {
      setMessage({ error: true, text: err instanceof HttpError ? err.message : 'The removal failed' });
    }
  };
  const imports = list.data?.imports ?? [];
  return (
    <section class="card settings-section" aria-label="Imports & exports" data-section="imports">
      <h2>Imports &amp; exports</h2>
      <form class="inline-form" onSubmit={upload}>
        <label>
          Plausible's CSV export (the .zip from Plausible's Imports &amp; Exports)
          <input type="file" name="file" accept=".zip,.csv" required />
        </label>
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      <p class="muted">Days from the files' names, up to the first day of this site's own data and not overlapping earlier imports. Raw history: footfall import events on the server.</p>
      {message && (
        <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-import-message>
          {message.text}
        </p>
      )}
      {imports.length > 0 && (
        <table class="list" data-imports-list>
          <thead>
            <tr>
              <th>Source</th>
              <th>Days</th>
              <th>Rows</th>
              <th>State</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {imports.map((i) => (
              <tr key={i.id} data-import={i.id}>
                <td title={i.label}>{SOURCE[i.source] ?? i.source}</td>
                <td>{i.startDate ? `${i.startDate} – ${i.endDate}` : '—'}</td>
                <td>{Object.values(i.rows).reduce((a, b) => a + b, 0).toLocaleString('en-US')}</td>
                <td title={i.error}>{i.status}</td>
                <td>
                  <button type="button" class="link" onClick={() => remove(i)} aria-label={`Delete import ${i.id}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href={`/api/dashboard/export-plausible?site=${encodeURIComponent(domain)}`} download data-export-plausible>
          Download this site's data as Plausible's CSV export
        </a>
      </p>
    </section>
  );
}
