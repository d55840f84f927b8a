import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlDateTimeText, sqlIdent, sqlString, sqlUInt } from '../../src/store/sql.js';

test('sqlString escapes quotes, backslashes and control bytes', () => {
  assert.equal(sqlString("it's"), "'it\\'s'");
  assert.equal(sqlString('a\\b'), "'a\\\\b'");
  assert.equal(sqlString('\u0000\n\t\u007f'), "'\\x00\\x0a\\x09\\x7f'");
  assert.equal(sqlString('ünï 😀'), "'ünï 😀'");
  assert.equal(sqlString("\\'"), "'\\\\\\''");
  // no raw quote survives unescaped
  const hostile = "'); DROP TABLE events; --" + '\\'.repeat(3) + "'";
  const lit = sqlString(hostile);
  assert.equal(lit.slice(1, -1).replace(/\\./g, '').includes("'"), false);
});

test('sqlUInt and sqlIdent refuse what they cannot express', () => {
  assert.equal(sqlUInt(18446744073709551615n), '18446744073709551615');
  assert.throws(() => sqlUInt(-1));
  assert.throws(() => sqlUInt(18446744073709551616n));
  assert.equal(sqlIdent('footfall_1'), 'footfall_1');
  assert.throws(() => sqlIdent('a.b'));
  assert.throws(() => sqlIdent('x; drop'));
});

test('sqlDateTimeText is UTC', () => {
  assert.equal(sqlDateTimeText(new Date('2026-03-01T23:59:58.900+02:00')), '2026-03-01 21:59:58');
});
