import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDateRange } from '../../src/store/export.js';

test('date ranges', () => {
  assert.deepEqual(parseDateRange('2026-01-01,2026-01-31'), { from: '2026-01-01', to: '2026-01-31' });
  assert.deepEqual(parseDateRange('2024-02-29,2024-02-29'), { from: '2024-02-29', to: '2024-02-29' });
  for (const bad of ['2026-01-01', '2026-1-1,2026-01-02', '2025-02-29,2025-03-01', '2026-02-01,2026-01-01', 'x,y', '']) {
    assert.equal(typeof parseDateRange(bad), 'string', bad);
  }
});
