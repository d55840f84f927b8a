import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gate, QueryBudget } from '../../src/http/query-budget.js';

test('query budgets: all or none across buckets, refilled at their rate; the gate runs one at a time, bounded', async () => {
  const b = new QueryBudget();
  const site = { perSecond: 10, burst: 20 };
  const client = { perSecond: 2, burst: 5 };
  assert.equal(b.take([['site', site], ['client', client]], 5, 0), 0);
  assert.equal(b.take([['site', site], ['client', client]], 1, 0), 1, 'the client bucket is empty: 1 s for a token');
  assert.equal(b.take([['site', site]], 15, 0), 0, 'a refusal took nothing from the site bucket');
  assert.equal(b.take([['site', site]], 1, 0), 1);
  assert.equal(b.take([['site', site], ['client', client]], 2, 1000), 0, 'refilled: 10 a second and 2 a second');
  assert.equal(b.take([['client', client]], 6, 1000), 60, 'more than the burst never fits');
  const gate = new Gate(1, 2);
  let running = 0;
  let most = 0;
  const job = () => gate.run(async () => {
    most = Math.max(most, ++running);
    await new Promise((r) => setImmediate(r));
    running--;
  });
  const jobs = [job(), job(), job()];
  await assert.rejects(job(), /waiting/);
  await Promise.all(jobs);
  assert.equal(most, 1);
});
