import { useState } from 'preact/hooks';
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
  const [from, setFrom] = useState(ctx.range.from);
  const [to, setTo] = useState(ctx.range.to);
  const ok = isDate(from) && isDate(to) && from <= to;
  return (
    <Modal title="Custom range" onClose={onClose}>
      <form
        class="filter-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok) return;
          ctx.update({ period: 'custom', from, to, date: undefined, interval: undefined });
          onClose();
        }}
      >
        <label>
          From
          <input type="date" value={from} max={todayIn(ctx.site.timezone)} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} required />
        </label>
        <label>
          To
          <input type="date" value={to} max={todayIn(ctx.site.timezone)} onInput={(e) => setTo((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" class="primary" disabled={!ok}>
          Apply
        </button>
      </form>
    </Modal>
  );
}
