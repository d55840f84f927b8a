import { ImportsSection } from './Imports';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, HttpError, type SiteView } from '../api';
import { Snippets } from './Install';
import { actionForm } from '../forms';
import { OneTimeSecret, type Secret } from './OneTimeSecret';
import { invalidate, useAsync } from '../hooks';

interface SettingsData {
  site: { domain: string; timezone: string; public: boolean; rateLimitPerMinute: number; rateLimitBurst: number };
  defaultRateLimit: { perMinute: number; burst: number };
  goals: Array<{ id: number; name: string; currency: string }>;
  shields: Array<{ kind: string; value: string }>;
  links: Array<{ id: number; name: string; hasPassword: boolean; createdAt: string }>;
  role: 'owner' | 'admin' | 'editor' | 'viewer';
  tracking: { script: string; eventPath: string };
  team: { id: number; name: string } | null;
  /** Admins and owners: the team's members and open invitations. */
  people: {
    members: Array<{ email: string; role: string; since: string }>;
    invitations: Array<{ id: number; email: string; role: string; expiresMs: number }>;
  } | null;
  /** Owners: the other teams the site may move to. */
  transferTo: Array<{ id: number; name: string }> | null;
}

const ROLE_TEXT: Record<string, string> = {
  owner: 'Owner: everything, including deleting and transferring',
  admin: 'Admin: settings, members and invitations',
  editor: 'Editor: settings (goals, shields, links…)',
  viewer: 'Viewer: dashboards only',
};

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
  const [secret, setSecret] = useState<Secret | null>(null);
  const s = loaded.data;
  const act = async (body: Record<string, unknown>, form?: HTMLFormElement) => {
    setError('');
    try {
      const r = await api<{ result: Record<string, unknown> }>('POST', 'settings', { site: domain, ...body });
      if (body.action === 'link-add') setSecret({ of: 'link-add', label: 'Shared link (shown only now)', value: `${location.origin}/share/${domain}?auth=${r.result.token as string}` });
      if (body.action === 'invite-add') setSecret({ of: 'invite-add', label: `Invitation link for ${body.email as string} (shown only now, valid 7 days)`, value: `${location.origin}/invite/${r.result.token as string}` });
      if (body.action === 'site-delete' || ((r as unknown as { settings: unknown }).settings === null && body.action !== 'invite-add')) return navigate('/');
      form?.reset();
      invalidate();
      setN(n + 1);
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'The change failed');
    }
  };
  const onForm = actionForm(act);
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
          <span class="muted" data-role={s.role}>
            your role: {s.role}
          </span>
        </div>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
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
      <Section title="Tracking snippet">
        <Snippets site={{ domain: s.site.domain, tracking: s.tracking } as SiteView} />
      </Section>
      <Section title="Goals">
        <ul class="list">
          {s.goals.map((g) => (
            <li data-goal={g.name}>
              <span>
                {g.name}
                {g.currency && <span class="muted"> (revenue in {g.currency})</span>}
              </span>
              <button onClick={() => confirm(`Remove the goal ${g.name}? Its conversions stay in the data; the goal no longer shows.`) && act({ action: 'goal-remove', goal: String(g.id) })} aria-label={`Remove goal ${g.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <form
          class="inline-form"
          data-form="goal-add"
          onSubmit={(e) => {
            e.preventDefault();
            const f = e.target as HTMLFormElement;
            const d = new FormData(f);
            const get = (k: string) => ((d.get(k) as string | null) ?? '').trim();
            // property conditions as `key=value`, separated by commas
            const props = Object.fromEntries(
              get('props')
                .split(',')
                .map((kv) => kv.trim())
                .filter(Boolean)
                .map((kv) => [kv.slice(0, Math.max(0, kv.indexOf('='))).trim() || kv, kv.includes('=') ? kv.slice(kv.indexOf('=') + 1).trim() : '']),
            );
            void act({ action: 'goal-add', event: get('event'), page: get('page'), currency: get('currency'), display_name: get('display_name'), scroll: get('scroll'), props }, f);
          }}
        >
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
          <label>
            Scrolled to %
            <input name="scroll" type="number" min={1} max={100} placeholder="(page goals)" size={5} />
          </label>
          <label>
            Properties
            <input name="props" placeholder="plan=pro, variant=A" />
          </label>
          <label>
            Display name
            <input name="display_name" placeholder="(optional)" />
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
              <button onClick={() => confirm(`Remove the shield ${r.value}? Its traffic is counted again from now on.`) && act({ action: 'shield-remove', kind: r.kind, value: r.value })}>Remove</button>
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
              <button onClick={() => confirm(`Remove the shared link ${l.name}? Whoever has it can no longer open the dashboard.`) && act({ action: 'link-remove', id: l.id })}>Remove</button>
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
        <OneTimeSecret secret={secret} of="link-add" />
      </Section>
      {s.people && (
        <Section title={`People${s.team ? ` of ${s.team.name}` : ''}`}>
          <p class="muted">Members of the team reach every site of the team with their role.</p>
          <ul class="list" data-section="members">
            {s.people.members.map((m) => (
              <li data-member={m.email}>
                <span>{m.email}</span>
                <select
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) => act({ action: 'member-role', email: m.email, role: (e.target as HTMLSelectElement).value })}
                  disabled={m.role === 'owner' && s.role !== 'owner'}
                >
                  {['owner', 'admin', 'editor', 'viewer'].map((r) => (
                    <option value={r} disabled={r === 'owner' && s.role !== 'owner'}>
                      {r}
                    </option>
                  ))}
                </select>
                {s.role === 'owner' && m.role !== 'owner' && (
                  <button onClick={() => confirm(`Make ${m.email} an owner? You stay as admin.`) && act({ action: 'transfer-ownership', email: m.email })}>Make owner</button>
                )}
                <button onClick={() => confirm(`Remove ${m.email} from this team? Their API keys stop reaching its sites at once.`) && act({ action: 'member-remove', email: m.email })} aria-label={`Remove ${m.email}`} disabled={m.role === 'owner' && s.role !== 'owner'}>
                  Remove
                </button>
              </li>
            ))}
            {s.people.invitations.map((i) => (
              <li data-invitation={i.email}>
                <span>
                  {i.email} <span class="muted">(invited as {i.role}, until {new Date(i.expiresMs).toLocaleDateString()})</span>
                </span>
                <button onClick={() => act({ action: 'invite-remove', id: i.id })}>Withdraw</button>
              </li>
            ))}
          </ul>
          <form class="inline-form" onSubmit={onForm('invite-add', ['email', 'role'])}>
            <label>
              Email
              <input name="email" type="email" required placeholder="colleague@example.com" />
            </label>
            <label>
              Role
              <select name="role">
                {['viewer', 'editor', 'admin', ...(s.role === 'owner' ? ['owner'] : [])].map((r) => (
                  <option value={r}>{ROLE_TEXT[r]}</option>
                ))}
              </select>
            </label>
            <button type="submit">Invite</button>
          </form>
          <OneTimeSecret secret={secret} of="invite-add" />
          <p class="muted">There is no e-mail: send the link yourself. It works once, for that address.</p>
        </Section>
      )}
      <ImportsSection domain={domain} />
      {s.role === 'owner' && (
        <Section title="Danger zone">
          {s.transferTo && s.transferTo.length > 0 && (
            <form class="inline-form" onSubmit={onForm('site-transfer', ['team'])}>
              <label>
                Move this site to
                <select name="team">
                  {s.transferTo.map((t) => (
                    <option value={String(t.id)}>{t.name}</option>
                  ))}
                </select>
              </label>
              <button type="submit">Transfer site</button>
            </form>
          )}
          <form class="inline-form" onSubmit={onForm('site-delete', ['confirm'])} data-form="delete-site">
            <label>
              Type {s.site.domain} to delete the site (its events stop being accepted)
              <input name="confirm" required autoComplete="off" />
            </label>
            <button type="submit" class="danger">
              Delete site
            </button>
          </form>
        </Section>
      )}
    </main>
  );
}
