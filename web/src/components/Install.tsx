import { useState } from 'preact/hooks';
import type { SiteView } from '../api';

function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <div class="snippet">
      <pre data-snippet={label}>{text}</pre>
      <button
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(() => setDone(true), () => setDone(false));
        }}
        aria-label={`Copy the ${label}`}
      >
        {done ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** The tracking snippet for this server's address: the script tag, and the official npm tracker. */
export function Snippets({ site }: { site: SiteView }) {
  const t = site.tracking!;
  const origin = location.origin;
  const tag = `<script defer data-domain="${site.domain}" src="${origin}${t.script}"></script>`;
  const npm = `import { init } from '@plausible-analytics/tracker'\n\ninit({\n  domain: '${site.domain}',\n  endpoint: '${origin}${t.eventPath}',\n})`;
  return (
    <>
      <p>Paste this into the <code>&lt;head&gt;</code> of every page of {site.domain}:</p>
      <Copy text={tag} label="script tag" />
      <p>Or, in an app bundled with npm (<code>npm install @plausible-analytics/tracker</code>):</p>
      <Copy text={npm} label="npm tracker" />
      <p class="muted">
        Mobile apps and servers send events to <code>{`${origin}${t.eventPath}`}</code> as to Plausible's Events API.
      </p>
    </>
  );
}

/** A site without any data yet: how to start, and a live wait for the first event (the dashboard replaces it). */
export function Install({ site }: { site: SiteView }) {
  return (
    <main class="narrow install" data-install={site.domain}>
      <h1 class="brand">Footfall</h1>
      <section class="card">
        <h2>Add the tracking snippet to {site.domain}</h2>
        <Snippets site={site} />
        <p class="waiting" role="status" aria-live="polite">
          <span class="pulse" aria-hidden="true" /> Waiting for the first pageview… this page turns into the dashboard when it arrives.
        </p>
      </section>
    </main>
  );
}
