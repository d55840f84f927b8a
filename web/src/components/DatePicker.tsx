import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx';
import { addDays, addMonths, PERIODS, todayIn, isDate } from '../periods';
import { Modal } from './Modal';

/** The period menu (with Plausible's keyboard letters) and the custom range dialog. */
export function DatePicker({ ctx }: { ctx: Ctx }) {
  const [custom, setCustom] = useState(false);
  const today = todayIn(ctx.site.timezone);
  const current = PERIODS.findIndex((p) => {
    if (p.period !== ctx.state.period) return false;
    if (p.yesterday) return ctx.state.date === addDays(today, -1);
    if (p.lastMonth) return !!ctx.state.date && ctx.state.date.slice(0, 7) === addMonths(today, -1).slice(0, 7);
    return true;
  });
  // `c` opens the custom range, as the menu says (the other letters are the dashboard's)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'c' || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('.modal')) return;
      if ((e.target as HTMLElement).closest('input, select, textarea, [contenteditable]')) return;
      e.preventDefault();
      setCustom(true);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
  const choose = (i: number) => {
    const p = PERIODS[i]!;
    if (p.period === 'custom') return setCustom(true);
    const date = p.yesterday ? addDays(today, -1) : p.lastMonth ? addMonths(today.slice(0, 8) + '01', -1) : undefined;
    ctx.update({ period: p.period, date, from: undefined, to: undefined, interval: undefined });
  };
  return (
    <>
      <label class="period">
        <span class="sr-only">Period</span>
        <select value={String(current)} onChange={(e) => choose(Number((e.target as HTMLSelectElement).value))} data-period={ctx.state.period}>
          {current < 0 && <option value="-1">{ctx.range.label}</option>}
          {PERIODS.map((p, i) => (
            <option value={String(i)}>
              {i === current ? ctx.range.label : p.label}
              {p.key ? ` (${p.key.toUpperCase()})` : ''}
            </option>
          ))}
        </select>
      </label>
      {custom && <CustomRange ctx={ctx} onClose={() => setCustom(false)} />}
    </>
  );
}

function CustomRange({ ctx, onClose }: { ctx: Ctx; onClose: () => void }) {
  return (
    <RangeDialog
      title="Custom range"
      tz={ctx.site.timezone}
      initial={[ctx.range.from, ctx.range.to]}
      onApply={(from, to) => ctx.update({ period: 'custom', from, to, date: undefined, interval: undefined })}
      onClose={onClose}
    />
  );
}

/** Two dates in a dialog (the custom period, a custom comparison). */
export function RangeDialog({ title, tz, initial, onApply, onClose }: { title: string; tz: string; initial: [string, string]; onApply: (from: string, to: string) => void; onClose: () => void }) {
  const [from, setFrom] = useState(initial[0]);
  const [to, setTo] = useState(initial[1]);
  const ok = isDate(from) && isDate(to) && from <= to;
  return (
    <Modal title={title} onClose={onClose}>
      <form
        class="filter-form"
        data-range-dialog={title}
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok) return;
          onApply(from, to);
          onClose();
        }}
      >
        <label>
          From
          <input type="date" name="from" value={from} max={todayIn(tz)} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} required />
        </label>
        <label>
          To
          <input type="date" name="to" value={to} max={todayIn(tz)} onInput={(e) => setTo((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" class="primary" disabled={!ok}>
          Apply
        </button>
      </form>
    </Modal>
  );
}
