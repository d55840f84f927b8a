#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { AdminError } from '../core/admin.js';
import { runServer } from '../main.js';
import { StoreLockedError } from '../store/store-locked.js';
import { connectAdmin, type AdminApi } from './client.js';

const USAGE = `Usage: footfall <command>

  start                                   start the server (same as npm start)
  sites add <domain> [--timezone <IANA>] [--team <id>] [--umami-id <uuid>]
                                          add a site (default time zone Etc/UTC; default team: the oldest); with
                                          --umami-id, Umami's tracker sending that website id counts for it
  sites umami-id <domain> <uuid | "">     set (or clear) the Umami website id of a site
  sites list [--json]                     list sites
  sites remove <domain>                   remove a site (its events stop being accepted)
  sites transfer <domain> --team <id>     move a site to another team (its members change, its data stays)
  sites rate-limit <domain> --per-minute <n> --burst <n>
                                          set the site's ingestion rate limit (0 0 = default 600/min, burst 120)
  shields add <domain> ip|country|page|hostname <value>
                                          block an IP or CIDR range, a country (ISO code), a page pattern (* wildcards),
                                          or allow only matching hostnames (patterns; none = all allowed)
  shields list <domain> [--json]
  shields remove <domain> ip|country|page|hostname <value>
  goals add <domain> --event <name> [--currency <ISO>] | --page <path pattern> [--scroll <percent>]
                    [--display-name <name>] [--prop <key=value>]…
                                          add a goal: a custom event (with a revenue currency), or pageviews of
                                          matching paths (* = within a segment, ** = anything)
  goals list <domain> [--json]
  goals remove <domain> <goal name or id>  e.g. "Signup" or "Visit /pricing*"
  keys create --name <label> [--user <email>]
                                          create an API key; prints it once. With --user it acts for that user
                                          (reaches only their sites); without, an operator key (every site)
  keys list [--json]                      list API keys (never the keys themselves)
  keys revoke <id>                        revoke an API key
  users add <email> [--password-stdin]    add a dashboard user; prints a generated password once (or reads one
                                          from standard input)
  users list [--json]
  users remove <email>                    remove a user (ends their logins)
  users reset-password <email> [--password-stdin]
                                          set a new password (generated, or from standard input); ends their logins
  users reset-link <email>                print a password reset link (valid 1 hour, once; there is no e-mail)
  users disable-2fa <email>               turn off a user's two-factor authentication (a lost device)
  teams list [--json]
  teams add --name <name> [--owner <email>]
  members list <domain> [--json]          the members of the site's team, and open invitations
  members add <domain> <email> [--role owner|admin|editor|viewer]
                                          add a user to the site's team (default viewer); an email without an
                                          account gets an invitation link instead
  members role <domain> <email> --role <role>
  members remove <domain> <email>
  members transfer <domain> <email>       make a member an owner of the site's team
  invitations add <domain> <email> [--role <role>]
                                          print an invitation link to the site's team (valid 7 days)
  invitations remove <domain> <id>
  export events|sessions --site <domain> [--date-range YYYY-MM-DD,YYYY-MM-DD]
                                          print stored rows as JSON lines
  export plausible <file.zip> --site <domain>
                                          write the site's data as Plausible's CSV export (ten daily files in
                                          a zip; Plausible CE and footfall import plausible read it)
  import events <file.ndjson> --site <domain>
                                          load raw history: one Plausible event body per line plus "timestamp"
                                          (ISO 8601), "ip" and "user_agent", through the ingestion pipeline at
                                          its own time; the same file twice stores nothing twice
  import plausible <export.zip | folder | files…> --site <domain>
                                          import Plausible's CSV export (its daily aggregates) into the site's
                                          imported data: the days before its first own event, not overlapping
                                          earlier imports
  import umami --website <uuid> --site <domain> (--database-url postgres://… | --from-csv <dir>)
                                          load an Umami website's events (website_event with its session and
                                          event_data, Umami v2 or v3) straight from its PostgreSQL, or from the
                                          same tables as CSV files; the site takes the website id
  imports list [--site <domain>] [--json] the site's imports (source, days, rows per table, state)
  imports remove <id> --site <domain>     delete an import's rows and its entry

Works with the server running (through its admin socket in the data directory) or stopped.
Environment: FOOTFALL_DATA_DIR (default ./data); FOOTFALL_PUBLIC_URL (the dashboard's address, for links).`;

class UsageError extends Error {}

/** The first line of standard input (a password piped in, never echoed or given on the command line). */
async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('--password-stdin: standard input had no password');
  return line;
}

function table(rows: Array<Record<string, unknown>>, cols: string[]): string {
  if (rows.length === 0) return '(none)\n';
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(w[i]!)).join('  ').trimEnd() + '\n';
  return line(cols) + rows.map((r) => line(cols.map((c) => String(r[c] ?? '')))).join('');
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      timezone: { type: 'string' },
      name: { type: 'string' },
      site: { type: 'string' },
      'date-range': { type: 'string' },
      'per-minute': { type: 'string' },
      event: { type: 'string' },
      page: { type: 'string' },
      currency: { type: 'string' },
      'display-name': { type: 'string' },
      prop: { type: 'string', multiple: true },
      scroll: { type: 'string' },
      burst: { type: 'string' },
      json: { type: 'boolean' },
      'password-stdin': { type: 'boolean' },
      team: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      owner: { type: 'string' },
      'umami-id': { type: 'string' },
      website: { type: 'string' },
      'database-url': { type: 'string' },
      'from-csv': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub, arg, arg2, arg3] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (cmd === 'start') return runServer();
  const known = ['sites add', 'sites umami-id', 'sites list', 'sites remove', 'sites rate-limit', 'shields add', 'shields list', 'shields remove', 'goals add', 'goals list', 'goals remove', 'keys create', 'keys list', 'keys revoke', 'users add', 'users list', 'users remove', 'users reset-password', 'users reset-link', 'users disable-2fa', 'sites transfer', 'teams list', 'teams add', 'members list', 'members add', 'members role', 'members remove', 'members transfer', 'invitations add', 'invitations remove', 'export events', 'export sessions', 'export plausible', 'import events', 'import plausible', 'import umami', 'imports list', 'imports remove'];
  if (!known.includes(`${cmd} ${sub}`)) throw new UsageError(`unknown command: ${positionals.join(' ')}`);

  const config = loadConfig();
  const api: AdminApi = await connectAdmin(config);
  const base = (process.env.FOOTFALL_PUBLIC_URL || `http://localhost:${config.port}`).replace(/\/+$/, '');
  const teamId = (): number | undefined => {
    if (values.team === undefined) return undefined;
    const n = Number(values.team);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError('--team needs a team id (see teams list)');
    return n;
  };
  const out = process.stdout;
  try {
    switch (`${cmd} ${sub}`) {
      case 'sites add': {
        if (!arg) throw new UsageError('sites add needs a domain');
        const s = await api.addSite(arg, values.timezone, teamId());
        out.write(`added ${s.domain} (id ${s.id}, time zone ${s.timezone}, team ${s.teamId})\n`);
        if (values['umami-id'] !== undefined) {
          const u = await api.setUmamiId(s.domain, values['umami-id']);
          out.write(`${u.domain} takes Umami's tracker events for website ${u.umamiId}\n`);
        }
        break;
      }
      case 'sites umami-id': {
        if (!arg || arg2 === undefined) throw new UsageError('sites umami-id needs <domain> <uuid> ("" to clear)');
        const u = await api.setUmamiId(arg, arg2);
        out.write(u.umamiId ? `${u.domain} takes Umami's tracker events for website ${u.umamiId}\n` : `${u.domain} has no Umami website id\n`);
        break;
      }
      case 'sites transfer': {
        const team = teamId();
        if (!arg || !team) throw new UsageError('sites transfer needs <domain> --team <id>');
        const s = await api.op('sites-transfer', { domain: arg, team: String(team) }) as { domain: string; teamId: number };
        out.write(`${s.domain} now belongs to team ${s.teamId}\n`);
        break;
      }
      case 'teams list': {
        const teams = (await api.op('teams-list', {})) as Array<Record<string, unknown>>;
        out.write(values.json ? JSON.stringify(teams) + '\n' : table(teams, ['id', 'name', 'members', 'sites', 'createdAt']));
        break;
      }
      case 'teams add': {
        if (!values.name) throw new UsageError('teams add needs --name <name>');
        const t = (await api.op('teams-add', { name: values.name, owner: values.owner })) as { id: number; name: string };
        out.write(`added team ${t.id} (${t.name})${values.owner ? `, owner ${values.owner}` : ''}\n`);
        break;
      }
      case 'members list': {
        if (!arg) throw new UsageError('members list needs a domain');
        const r = (await api.op('members-list', { domain: arg })) as { members: Array<Record<string, unknown>>; invitations: Array<Record<string, unknown>> };
        if (values.json) out.write(JSON.stringify(r) + '\n');
        else {
          out.write(table(r.members, ['email', 'role', 'since']));
          if (r.invitations.length) out.write('\ninvited:\n' + table(r.invitations.map((i) => ({ ...i, expires: new Date(i.expiresMs as number).toISOString() })), ['id', 'email', 'role', 'expires']));
        }
        break;
      }
      case 'members add': {
        if (!arg || !arg2) throw new UsageError('members add needs <domain> <email> [--role <role>]');
        const r = (await api.op('members-add', { domain: arg, email: arg2, role: values.role ?? 'viewer' })) as { member?: { email: string; role: string }; invited?: { token: string; invitation: { email: string; role: string } } };
        if (r.member) out.write(`${r.member.email} is now ${r.member.role} of the team of ${arg}\n`);
        else {
          process.stderr.write(`${arg2} has no account: send them this invitation link (valid 7 days, shown only now):\n`);
          out.write(`${base}/invite/${r.invited!.token}\n`);
        }
        break;
      }
      case 'members role': {
        if (!arg || !arg2 || !values.role) throw new UsageError('members role needs <domain> <email> --role <role>');
        const m = (await api.op('members-role', { domain: arg, email: arg2, role: values.role })) as { email: string; role: string };
        out.write(`${m.email} is now ${m.role} of the team of ${arg}\n`);
        break;
      }
      case 'members remove': {
        if (!arg || !arg2) throw new UsageError('members remove needs <domain> <email>');
        const m = (await api.op('members-remove', { domain: arg, email: arg2 })) as { email: string };
        out.write(`removed ${m.email} from the team of ${arg}\n`);
        break;
      }
      case 'members transfer': {
        if (!arg || !arg2) throw new UsageError('members transfer needs <domain> <email>');
        const m = (await api.op('members-transfer', { domain: arg, email: arg2 })) as { email: string };
        out.write(`${m.email} is now an owner of the team of ${arg}\n`);
        break;
      }
      case 'invitations add': {
        if (!arg || !arg2) throw new UsageError('invitations add needs <domain> <email> [--role <role>]');
        const r = (await api.op('invitations-add', { domain: arg, email: arg2, role: values.role ?? 'viewer' })) as { token: string; invitation: { id: number; email: string; role: string } };
        process.stderr.write(`invitation ${r.invitation.id} for ${r.invitation.email} (${r.invitation.role}); the link is shown only now:\n`);
        out.write(`${base}/invite/${r.token}\n`);
        break;
      }
      case 'invitations remove': {
        if (!arg || !arg2) throw new UsageError('invitations remove needs <domain> <id>');
        const i = (await api.op('invitations-remove', { domain: arg, id: arg2 })) as { email: string };
        out.write(`withdrew the invitation of ${i.email}\n`);
        break;
      }
      case 'users reset-link': {
        if (!arg) throw new UsageError('users reset-link needs an email address');
        const r = (await api.op('users-reset-link', { email: arg })) as { user: { email: string }; token: string; expiresMs: number };
        process.stderr.write(`reset link for ${r.user.email}, valid until ${new Date(r.expiresMs).toISOString()} and once (shown only now):\n`);
        out.write(`${base}/reset/${r.token}\n`);
        break;
      }
      case 'users disable-2fa': {
        if (!arg) throw new UsageError('users disable-2fa needs an email address');
        const u = (await api.op('users-disable-2fa', { email: arg })) as { email: string };
        out.write(`two-factor authentication is off for ${u.email}; their logins have ended\n`);
        break;
      }
      case 'sites list': {
        const sites = await api.listSites();
        out.write(values.json ? JSON.stringify(sites) + '\n' : table(sites as unknown as Array<Record<string, unknown>>, ['id', 'domain', 'timezone', 'teamId', 'createdAt']));
        break;
      }
      case 'sites remove': {
        if (!arg) throw new UsageError('sites remove needs a domain');
        const s = await api.removeSite(arg);
        out.write(`removed ${s.domain}\n`);
        break;
      }
      case 'sites rate-limit': {
        const perMinute = Number(values['per-minute']);
        const burst = Number(values.burst);
        if (!arg || values['per-minute'] === undefined || values.burst === undefined) {
          throw new UsageError('sites rate-limit needs a domain, --per-minute <n> and --burst <n>');
        }
        const s = await api.setRateLimit(arg, perMinute, burst);
        out.write(
          s.rateLimitPerMinute
            ? `${s.domain}: ${s.rateLimitPerMinute} events a minute, burst ${s.rateLimitBurst}\n`
            : `${s.domain}: default rate limit (600 events a minute, burst 120)\n`,
        );
        break;
      }
      case 'shields add':
      case 'shields remove': {
        if (!arg || !arg2 || arg3 === undefined) throw new UsageError(`shields ${sub} needs <domain> <kind> <value>`);
        const r = sub === 'add' ? await api.addShield(arg, arg2, arg3) : await api.removeShield(arg, arg2, arg3);
        out.write(`${sub === 'add' ? 'added' : 'removed'} ${r.kind} shield ${r.value} for ${arg}\n`);
        break;
      }
      case 'shields list': {
        if (!arg) throw new UsageError('shields list needs a domain');
        const rules = await api.listShields(arg);
        out.write(values.json ? JSON.stringify(rules) + '\n' : table(rules as unknown as Array<Record<string, unknown>>, ['kind', 'value']));
        break;
      }
      case 'goals add': {
        if (!arg || (values.event === undefined) === (values.page === undefined)) throw new UsageError('goals add needs <domain> and --event <name> or --page <path pattern>');
        const props = (values.prop ?? []).map((kv): [string, string] => {
          const at = kv.indexOf('=');
          if (at <= 0) throw new UsageError(`--prop takes key=value, got ${JSON.stringify(kv)}`);
          return [kv.slice(0, at), kv.slice(at + 1)];
        });
        const scroll = values.scroll === undefined ? undefined : Number(values.scroll);
        const g = await api.addGoal(arg, { eventName: values.event, pagePath: values.page, currency: values.currency, displayName: values['display-name'], props: props.length ? props : undefined, scrollThreshold: scroll });
        out.write(`added goal ${g.name}${g.currency ? ` (revenue in ${g.currency})` : ''} to ${arg}\n`);
        break;
      }
      case 'goals list': {
        if (!arg) throw new UsageError('goals list needs a domain');
        const goals = await api.listGoals(arg);
        out.write(values.json ? JSON.stringify(goals) + '\n' : table(goals as unknown as Array<Record<string, unknown>>, ['id', 'name', 'currency', 'createdAt']));
        break;
      }
      case 'goals remove': {
        if (!arg || !arg2) throw new UsageError('goals remove needs <domain> <goal name or id>');
        const g = await api.removeGoal(arg, arg2);
        out.write(`removed goal ${g.name} from ${arg}\n`);
        break;
      }
      case 'keys create': {
        if (!values.name) throw new UsageError('keys create needs --name <label>');
        const { key, info } = await api.createKey(values.name, values.user);
        process.stderr.write(`created API key ${info.id} (${info.name}); it is shown only now:\n`);
        out.write(key + '\n');
        break;
      }
      case 'keys list': {
        const keys = await api.listKeys();
        out.write(values.json ? JSON.stringify(keys) + '\n' : table(keys as unknown as Array<Record<string, unknown>>, ['id', 'name', 'prefix', 'userId', 'createdAt']));
        break;
      }
      case 'keys revoke': {
        const id = Number(arg);
        if (!arg || !Number.isInteger(id)) throw new UsageError('keys revoke needs a key id (see keys list)');
        const k = await api.revokeKey(id);
        out.write(`revoked API key ${k.id} (${k.name})\n`);
        break;
      }
      case 'users add':
      case 'users reset-password': {
        if (!arg) throw new UsageError(`users ${sub} needs an email address`);
        const password = values['password-stdin'] ? await readPassword() : undefined;
        const r = sub === 'add' ? await api.addUser(arg, password) : await api.resetPassword(arg, password);
        if (r.password) {
          process.stderr.write(`${sub === 'add' ? 'added user' : 'new password for'} ${r.user.email}; the password is shown only now:\n`);
          out.write(r.password + '\n');
        } else out.write(`${sub === 'add' ? 'added user' : 'new password set for'} ${r.user.email}\n`);
        if (sub === 'add') {
          const team = (r as { team?: { id: number; name: string; role: string } }).team;
          process.stderr.write(team ? `${r.user.email} is ${team.role} of team ${team.id} (${team.name})\n` : `${r.user.email} is in no team yet: add them with \`footfall members add <domain> ${r.user.email} --role viewer\`\n`);
        }
        break;
      }
      case 'users list': {
        const users = await api.listUsers();
        out.write(values.json ? JSON.stringify(users) + '\n' : table(users as unknown as Array<Record<string, unknown>>, ['id', 'email', 'createdAt']));
        break;
      }
      case 'users remove': {
        if (!arg) throw new UsageError('users remove needs an email address');
        const u = await api.removeUser(arg);
        out.write(`removed user ${u.email}\n`);
        break;
      }
      case 'import events':
      case 'import umami': {
        if (sub === 'events' && (!arg || !values.site)) throw new UsageError('import events needs <file.ndjson> --site <domain>');
        if (sub === 'umami' && (!values.site || !values.website || !values['database-url'] === !values['from-csv'])) {
          throw new UsageError('import umami needs --website <uuid> --site <domain> and either --database-url postgres://… or --from-csv <dir>');
        }
        const tty = process.stderr.isTTY;
        const progress = (p: { lines: number; events: number; errors: number; seconds: number }) => {
          const text = `${p.lines.toLocaleString('en')} lines, ${p.events.toLocaleString('en')} events, ${p.errors.toLocaleString('en')} refused, ${p.seconds.toFixed(0)} s`;
          process.stderr.write(tty ? `\r${text}   ` : `${text}\n`);
        };
        const r =
          sub === 'events'
            ? await api.importEvents(values.site!, arg!, progress)
            : await api.importUmami(values.site!, { website: values.website!, databaseUrl: values['database-url'], csvDir: values['from-csv'] }, progress);
        if (tty) process.stderr.write('\n');
        if (values.json) {
          out.write(JSON.stringify(r) + '\n');
          break;
        }
        if (r.alreadyImported) {
          out.write(`${sub === 'events' ? arg : `Umami website ${values.website}`} was imported already (import ${r.importId}, ${r.startDate} to ${r.endDate}): nothing stored\n`);
          break;
        }
        const dropped = Object.entries(r.dropped).map(([k, n]) => `${n} ${k}`).join(', ');
        out.write(`import ${r.importId}: ${r.events.toLocaleString('en')} events and ${r.sessions.toLocaleString('en')} sessions from ${r.lines.toLocaleString('en')} lines${r.startDate ? `, ${r.startDate} to ${r.endDate}` : ''}, in ${r.seconds.toFixed(1)} s${dropped ? `; dropped: ${dropped}` : ''}\n`);
        if (r.errorCount) {
          process.stderr.write(`${r.errorCount} line(s) refused${r.errorCount > r.errors.length ? ` (the first ${r.errors.length})` : ''}:\n`);
          for (const e of r.errors) process.stderr.write(`  line ${e.line}: ${e.message}\n`);
        }
        break;
      }
      case 'import plausible': {
        const files = positionals.slice(2);
        if (files.length === 0 || !values.site) throw new UsageError('import plausible needs <export.zip | folder | files…> --site <domain>');
        const r = await api.importPlausible(values.site, files, (p) => process.stderr.write(`${p.file}: ${p.rows.toLocaleString('en')} rows\n`));
        if (values.json) {
          out.write(JSON.stringify(r) + '\n');
          break;
        }
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        if (r.adjusted) process.stderr.write(`dates adjusted: ${r.adjusted}\n`);
        out.write(`import ${r.importId}: ${r.startDate} to ${r.endDate}, ${Object.entries(r.rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')} rows, in ${r.seconds.toFixed(1)} s\n`);
        break;
      }
      case 'export plausible': {
        if (!arg || !values.site) throw new UsageError('export plausible needs <file.zip> --site <domain>');
        const target = path.resolve(arg);
        const part = `${target}.part`;
        const file = fs.createWriteStream(part, { mode: 0o600 });
        try {
          await api.exportPlausible(values.site, file);
          await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
          fs.renameSync(part, target);
        } catch (err) {
          file.destroy();
          fs.rmSync(part, { force: true });
          throw err;
        }
        out.write(`wrote ${target} (${fs.statSync(target).size.toLocaleString('en')} bytes)\n`);
        break;
      }
      case 'imports list': {
        const list = await api.listImports(values.site);
        if (values.json) out.write(JSON.stringify(list) + '\n');
        else out.write(table(list.map((i) => ({ ...i, days: i.startDate ? `${i.startDate}..${i.endDate}` : '', rows: Object.entries(i.rows).map(([t, n]) => `${t} ${n}`).join(', ') })) as unknown as Array<Record<string, unknown>>, ['id', 'site', 'source', 'label', 'days', 'status', 'rows', 'createdAt']));
        break;
      }
      case 'imports remove': {
        const id = Number(arg);
        if (!arg || !Number.isInteger(id) || !values.site) throw new UsageError('imports remove needs <id> --site <domain> (see imports list)');
        const i = await api.removeImport(values.site, id);
        out.write(`removed import ${i.id} (${i.label}) from ${i.site}\n`);
        break;
      }
      default: {
        if (!values.site) throw new UsageError(`export ${sub} needs --site <domain>`);
        await api.exportTo(sub as 'events' | 'sessions', values.site, values['date-range'], out);
      }
    }
  } finally {
    await api.close();
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`footfall: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof AdminError || err instanceof ConfigError || err instanceof StoreLockedError) {
    process.stderr.write(`footfall: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`footfall: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
