import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanIp, clientIp } from '../../src/ingest/ip.js';

test('the header chain, first match wins', () => {
  const all = {
    'x-plausible-ip': '1.1.1.1',
    'cf-connecting-ip': '2.2.2.2',
    'b-forwarded-for': '3.3.3.3, 9.9.9.9',
    'x-forwarded-for': '4.4.4.4, 9.9.9.9',
    forwarded: 'for=5.5.5.5;proto=https',
  };
  assert.equal(clientIp(all, '6.6.6.6'), '1.1.1.1');
  const { 'x-plausible-ip': _a, ...noP } = all;
  assert.equal(clientIp(noP, '6.6.6.6'), '2.2.2.2');
  const { 'cf-connecting-ip': _b, ...noCf } = noP;
  assert.equal(clientIp(noCf, '6.6.6.6'), '3.3.3.3');
  const { 'b-forwarded-for': _c, ...noB } = noCf;
  assert.equal(clientIp(noB, '6.6.6.6'), '4.4.4.4');
  const { 'x-forwarded-for': _d, ...noX } = noB;
  assert.equal(clientIp(noX, '6.6.6.6'), '5.5.5.5');
  assert.equal(clientIp({}, '::ffff:6.6.6.6'), '6.6.6.6');
});

test('Forwarded: quotes, brackets and ports', () => {
  assert.equal(clientIp({ forwarded: 'For="[2001:db8:cafe::17]:4711"' }, undefined), '2001:db8:cafe::17');
  assert.equal(clientIp({ forwarded: 'proto=http;for=192.0.2.60:8080;by=203.0.113.43' }, undefined), '192.0.2.60');
});

test('ports are stripped; garbage falls through to the next source', () => {
  assert.equal(cleanIp('1.2.3.4:5678'), '1.2.3.4');
  assert.equal(cleanIp('[::1]:80'), '::1');
  assert.equal(cleanIp('2001:DB8::1'), '2001:db8::1');
  assert.equal(cleanIp('not-an-ip'), '');
  assert.equal(clientIp({ 'x-plausible-ip': 'garbage', 'x-forwarded-for': '7.7.7.7' }, '8.8.8.8'), '7.7.7.7');
  assert.equal(clientIp({ 'x-forwarded-for': 'unknown, 7.7.7.7' }, '8.8.8.8'), '8.8.8.8');
});

test('trusted proxies: headers believed only from them, the right-most untrusted address is the client', async () => {
  const { TrustedProxies, clientIpBehind } = await import('../../src/ingest/ip.js');
  const t = TrustedProxies.parse('10.0.0.0/8, 192.168.1.1, fd00::/8')!;
  const xff = (v: string) => ({ 'x-forwarded-for': v });
  assert.equal(clientIpBehind(xff('1.2.3.4'), '203.0.113.9', t), '203.0.113.9', 'an untrusted peer’s header is ignored');
  assert.equal(clientIpBehind({ 'x-plausible-ip': '1.2.3.4' }, '203.0.113.9', t), '203.0.113.9');
  assert.equal(clientIpBehind(xff('1.2.3.4'), '10.1.1.1', t), '1.2.3.4');
  assert.equal(clientIpBehind(xff('6.6.6.6, 1.2.3.4, 10.2.2.2'), '10.1.1.1', t), '1.2.3.4', 'a forged left part is skipped');
  assert.equal(clientIpBehind(xff('10.3.3.3, 10.2.2.2'), '192.168.1.1', t), '10.3.3.3', 'all trusted: the left-most');
  assert.equal(clientIpBehind(xff('garbage, 1.2.3.4'), '10.1.1.1', t), '1.2.3.4');
  assert.equal(clientIpBehind(xff('1.2.3.4, garbage'), '10.1.1.1', t), '10.1.1.1', 'a malformed hop: the peer');
  assert.equal(clientIpBehind({ forwarded: 'for=9.9.9.9, for="[2001:db8::1]"' }, '::ffff:10.0.0.5', t), '2001:db8::1');
  assert.equal(clientIpBehind({ 'x-plausible-ip': '5.5.5.5' }, '10.0.0.1', t), '5.5.5.5');
  assert.equal(clientIpBehind({}, '10.0.0.1', t), '10.0.0.1');
  assert.equal(clientIpBehind(xff('1.2.3.4'), '203.0.113.9', null), '1.2.3.4', 'no trusted list: today’s behaviour');
  assert.throws(() => TrustedProxies.parse('10.0.0.0/33'), /prefix/);
  assert.throws(() => TrustedProxies.parse('nope'), /not an IP/);
});
