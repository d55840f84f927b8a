import { useState } from 'preact/hooks';
import { api, HttpError } from '../api';
import { isSegment, segmentFilter, type Ctx, type SegmentView } from '../ctx';
import { dimLabel, opLabel } from '../dims';
import { invalidate } from '../hooks';
import { Modal } from './Modal';

/** A segment's filters in words (`Browser is Firefox, Property plan is pro`). */
function describe(s: SegmentView): string {
  return s.filters
    .map((f) => (Array.isArray(f) && f.length >= 3 && Array.isArray(f[2]) ? `${dimLabel(String(f[1]))} ${opLabel(String(f[0]))} ${(f[2] as unknown[]).join(' or ')}` : JSON.stringify(f)))
    .join(', ');
}

/**
 * Saved segments: apply one (it becomes a filter of the view), save the view's filters as a new one (personal, or for
 * the whole site by editors and up), rename or remove those this viewer may change.
 */
export function SegmentsDialog({ ctx, onClose, onChanged }: { ctx: Ctx; onClose: () => void; onChanged: () => void }) {
  const [error, setError] = useState('');
  const own = ctx.state.filters.filter((f) => !isSegment(f));
  const mayShare = ctx.site.role === 'owner' || ctx.site.role === 'admin' || ctx.site.role === 'editor';
  const act = async (body: Record<string, unknown>): Promise<SegmentView | null> => {
    setError('');
    try {
      const r = await api<{ result: SegmentView }>('POST', 'segments', { site: ctx.site.domain, ...body });
      invalidate();
      onChanged();
      return r.result;
    } catch (err) {
      setError(err instanceof HttpError ? err.message : 'Could not save the segment');
      return null;
    }
  };
  /** The segment in the view, beside the other filters (another segment is replaced); `only`: instead of them. */
  const apply = (s: SegmentView, only = false) => {
    ctx.update({ filters: [...(only ? [] : ctx.state.filters.filter((f) => !isSegment(f))), segmentFilter(s.id)] });
    onClose();
  };
  return (
    <Modal title="Segments" onClose={onClose}>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {ctx.segments.length === 0 ? (
        <p class="muted">No segments yet. Filter the dashboard, then save the filters here as a segment.</p>
      ) : (
        <ul class="list segments">
          {ctx.segments.map((s) => (
            <li data-segment={s.name}>
              <button class="link" onClick={() => apply(s)} title={describe(s)}>
                {s.name}
              </button>
              <span class="muted">
                {s.type === 'site' ? 'site' : 'personal'} · {describe(s)}
              </span>
              {s.editable && (
                <span>
                  <button
                    onClick={() => {
                      const name = prompt('New name of the segment', s.name);
                      if (name && name.trim() && name.trim() !== s.name) void act({ action: 'update', id: s.id, name: name.trim() });
                    }}
                  >
                    Rename
                  </button>
                  <button
                    onClick={() => {
                      if (!confirm(`Remove the segment ${s.name}?`)) return;
                      void act({ action: 'delete', id: s.id }).then((r) => {
                        if (r && ctx.state.filters.some((f) => isSegment(f) && f[2][0] === String(s.id))) ctx.update({ filters: ctx.state.filters.filter((f) => !(isSegment(f) && f[2][0] === String(s.id))) });
                      });
                    }}
                  >
                    Remove
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {ctx.site.access === 'user' && own.length > 0 && (
        <form
          class="filter-form"
          data-form="segment-save"
          onSubmit={(e) => {
            e.preventDefault();
            const d = new FormData(e.target as HTMLFormElement);
            void act({ action: 'create', name: String(d.get('name') ?? ''), type: String(d.get('type') ?? 'personal'), filters: own }).then((s) => s && apply(s, true)); // the saved filters are now the segment
          }}
        >
          <h3>Save the current filters as a segment</h3>
          <label>
            Name
            <input name="name" required maxLength={255} placeholder="Mobile visitors from ads" />
          </label>
          <label>
            For
            <select name="type">
              <option value="personal">me only</option>
              {mayShare && <option value="site">everyone with access to this site</option>}
            </select>
          </label>
          <button type="submit" class="primary">
            Save segment
          </button>
        </form>
      )}
    </Modal>
  );
}
