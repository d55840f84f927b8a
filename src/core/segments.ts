import type { SegmentRow, SegmentsRepo } from '../store/segments-repo.js';
import type { Site } from '../store/repo.js';
import { parseQuery, QueryError } from '../stats/query.js';
import { AdminError } from './admin.js';
import { can, type Role } from './roles.js';

/** Who asks: a member (with their role on the site), or a shared link or public visitor (no user). */
export interface SegmentActor {
  userId: number | null;
  role?: Role;
}

export interface SegmentInput {
  name: string;
  type: 'personal' | 'site';
  filters: unknown[];
}

/** A segment as the dashboard gets it. */
export interface SegmentView {
  id: number;
  name: string;
  type: 'personal' | 'site';
  filters: unknown[];
  owner: boolean;
  /** Whether this viewer may change or remove it. */
  editable: boolean;
  updatedAt: string;
}

const MAX_PER_SITE = 500;

/**
 * Saved segments, as Plausible CE has them: a named filter list, personal (its owner's) or for the site (every member
 * of the site's team, and its shared links and public dashboard). Any member may keep personal segments; site
 * segments are made, changed and removed by editors and up (the site's settings capability). The dashboard's queries
 * name a segment by `["is", "segment", [id]]`, which `expand` replaces by its filters (the public Stats API refuses
 * segment filters, as Plausible's does).
 */
export class Segments {
  private rows: SegmentRow[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly repo: SegmentsRepo) {}

  async load(): Promise<void> {
    this.rows = await this.repo.list();
  }

  private visibleTo(site: Site, actor: SegmentActor): SegmentRow[] {
    return this.rows.filter((s) => s.siteId === site.id && (s.type === 'site' || (actor.userId !== null && s.ownerId === actor.userId)));
  }

  private view(s: SegmentRow, actor: SegmentActor): SegmentView {
    const owner = actor.userId !== null && s.ownerId === actor.userId;
    const editable = s.type === 'personal' ? owner : actor.userId !== null && can(actor.role, 'settings');
    return { id: s.id, name: s.name, type: s.type, filters: JSON.parse(s.filters) as unknown[], owner, editable, updatedAt: s.updatedAt };
  }

  list(site: Site, actor: SegmentActor): SegmentView[] {
    return this.visibleTo(site, actor)
      .map((s) => this.view(s, actor))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  }

  /** Checks a segment as given: a name, a type this actor may make, and filters the Stats API accepts (no segments in it). */
  private check(site: Site, actor: SegmentActor, input: Partial<SegmentInput>): SegmentInput {
    if (actor.userId === null || !actor.role) throw new AdminError(401, 'Log in to save segments');
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name || name.length > 255) throw new AdminError(400, 'A segment needs a name of 1 to 255 characters');
    if (input.type !== 'personal' && input.type !== 'site') throw new AdminError(400, 'A segment is personal or for the site');
    if (input.type === 'site' && !can(actor.role, 'settings')) throw new AdminError(403, 'Only editors, admins and owners save segments for the whole site');
    const filters = input.filters;
    if (!Array.isArray(filters) || filters.length === 0) throw new AdminError(400, 'A segment needs at least one filter');
    if (JSON.stringify(filters).includes('"segment"')) throw new AdminError(400, 'A segment cannot contain another segment');
    if (JSON.stringify(filters).length > 100_000) throw new AdminError(400, 'A segment takes at most 100 kB of filters');
    try {
      parseQuery({ site_id: site.domain, metrics: ['visitors'], date_range: 'day', filters }, site, [], { nowMs: Date.now(), statsStart: null });
    } catch (err) {
      if (err instanceof QueryError) throw new AdminError(400, `The segment's filters: ${err.message}`);
      throw err;
    }
    return { name, type: input.type, filters };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  create(site: Site, actor: SegmentActor, input: Partial<SegmentInput>): Promise<SegmentView> {
    return this.serial(async () => {
      const s = this.check(site, actor, input);
      if (this.rows.filter((r) => r.siteId === site.id).length >= MAX_PER_SITE) throw new AdminError(400, `A site has at most ${MAX_PER_SITE} segments`);
      const row = await this.repo.write({ siteId: site.id, ownerId: actor.userId!, type: s.type, name: s.name, filters: JSON.stringify(s.filters) }, false);
      this.rows.push(row);
      return this.view(row, actor);
    });
  }

  private editable(site: Site, actor: SegmentActor, id: number): SegmentRow {
    const row = this.visibleTo(site, actor).find((s) => s.id === id);
    if (!row) throw new AdminError(404, `no segment ${id}`);
    if (!this.view(row, actor).editable) throw new AdminError(403, row.type === 'site' ? 'Only editors, admins and owners change site segments' : "Only its owner changes a personal segment");
    return row;
  }

  update(site: Site, actor: SegmentActor, id: number, input: Partial<SegmentInput>): Promise<SegmentView> {
    return this.serial(async () => {
      const row = this.editable(site, actor, id);
      const current = JSON.parse(row.filters) as unknown[];
      const s = this.check(site, actor, { name: input.name ?? row.name, type: input.type ?? row.type, filters: input.filters ?? current });
      const next = await this.repo.write({ ...row, type: s.type, name: s.name, filters: JSON.stringify(s.filters) }, false);
      this.rows = this.rows.map((r) => (r.id === id ? next : r));
      return this.view(next, actor);
    });
  }

  remove(site: Site, actor: SegmentActor, id: number): Promise<SegmentView> {
    return this.serial(async () => {
      const row = this.editable(site, actor, id);
      await this.repo.write(row, true);
      this.rows = this.rows.filter((r) => r.id !== id);
      return this.view(row, actor);
    });
  }

  /**
   * A query's filters with each top-level `["is", "segment", [ids]]` replaced by the segments' filters (several ids:
   * any of them). A segment this viewer cannot see answers as one that does not exist.
   */
  expand(site: Site, actor: SegmentActor, filters: unknown): unknown {
    if (!Array.isArray(filters) || !JSON.stringify(filters).includes('"segment"')) return filters;
    const mine = this.visibleTo(site, actor);
    return filters.map((f) => {
      if (!Array.isArray(f) || f[0] !== 'is' || f[1] !== 'segment') return f;
      const ids = Array.isArray(f[2]) ? f[2] : [];
      const parts = ids.map((id) => {
        const s = mine.find((x) => x.id === Number(id));
        if (!s) throw new QueryError(`Invalid filters. The segment ${JSON.stringify(id)} does not exist on this site.`);
        return ['and', JSON.parse(s.filters) as unknown[]];
      });
      if (parts.length === 0) throw new QueryError('Invalid filters. A segment filter names at least one segment.');
      return parts.length === 1 ? parts[0] : ['or', parts];
    });
  }
}
