import { authenticateWebhook, parseSignatureHeader, sameSecret, signWebhook, verifySignature } from '../../lib/intake';

const NOW = 1_700_000_000;
const CURRENT = 'whsec-current';
const PREVIOUS = 'whsec-previous';
const BODY = Buffer.from('{"type":"ADDED","object":{"kind":"ComputeInstance"}}', 'utf8');
const v1Of = (header: string) => header.split('v1=')[1] as string;
const sign = (secret: string, body: Uint8Array = BODY, t = NOW) => signWebhook(secret, body, t);

describe('signWebhook', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, as openssl computes it', () => {
    // printf '%s' '1700000000.{"type":"ADDED"}' | openssl dgst -sha256 -hmac whsec-test
    expect(signWebhook('whsec-test', '{"type":"ADDED"}', 1_700_000_000)).toBe(
      't=1700000000,v1=00057ae37d4a08a1ecc2523b0cd806d5482f9b793cb5e6f1b5d6c6105c2726cf',
    );
  });

  it('signs the UTF-8 bytes of a string exactly like the bytes themselves', () => {
    const text = '{"name":"vm-é"}';
    expect(signWebhook(CURRENT, text, NOW)).toBe(signWebhook(CURRENT, Buffer.from(text, 'utf8'), NOW));
  });

  it.each([
    ['an empty secret', '', NOW, /secret is empty/],
    ['a fractional timestamp', CURRENT, 1.5, /whole unix seconds, got 1.5/],
    ['a negative timestamp', CURRENT, -1, /whole unix seconds, got -1/],
  ])('refuses %s', (_label, secret, t, message) => {
    expect(() => signWebhook(secret, BODY, t)).toThrow(message);
  });
});

describe('verifySignature: the scheme table', () => {
  const good = sign(CURRENT);
  const other = sign('not-a-cluster-secret');
  it.each([
    ['good', good, BODY, { ok: true }],
    ['rotated: signed with the second secret', sign(PREVIOUS), BODY, { ok: true }],
    ['wrong secret', other, BODY, { ok: false, failure: 'mismatch' }],
    [
      'tampered body',
      good,
      Buffer.from(BODY.toString().replace('ADDED', 'DELETED')),
      { ok: false, failure: 'mismatch' },
    ],
    ['body with one byte appended', good, Buffer.concat([BODY, Buffer.from(' ')]), { ok: false, failure: 'mismatch' }],
    ['old timestamp (301 s)', sign(CURRENT, BODY, NOW - 301), BODY, { ok: false, failure: 'expired' }],
    ['future timestamp (301 s)', sign(CURRENT, BODY, NOW + 301), BODY, { ok: false, failure: 'expired' }],
    ['timestamp exactly 300 s old', sign(CURRENT, BODY, NOW - 300), BODY, { ok: true }],
    ['timestamp exactly 300 s ahead', sign(CURRENT, BODY, NOW + 300), BODY, { ok: true }],
    ['re-dated: a valid v1 under a fresh t', `t=${NOW + 1},v1=${v1Of(good)}`, BODY, { ok: false, failure: 'mismatch' }],
    ['missing header', undefined, BODY, { ok: false, failure: 'missing' }],
    ['empty header', '  ', BODY, { ok: false, failure: 'missing' }],
    ['malformed: no key=value', 'sha256=abc,garbage', BODY, { ok: false, failure: 'malformed' }],
    ['malformed: no t', `v1=${v1Of(good)}`, BODY, { ok: false, failure: 'malformed' }],
    ['malformed: no v1', `t=${NOW}`, BODY, { ok: false, failure: 'malformed' }],
    ['malformed: t twice', `t=${NOW},t=${NOW},v1=${v1Of(good)}`, BODY, { ok: false, failure: 'malformed' }],
    ['malformed: t not digits', `t=${NOW}.5,v1=${v1Of(good)}`, BODY, { ok: false, failure: 'malformed' }],
    ['malformed: v1 not hex', `t=${NOW},v1=${'z'.repeat(64)}`, BODY, { ok: false, failure: 'malformed' }],
    ['malformed: v1 too short', `t=${NOW},v1=${v1Of(good).slice(1)}`, BODY, { ok: false, failure: 'malformed' }],
    [
      'malformed: v1 base64',
      `t=${NOW},v1=${Buffer.from(v1Of(good), 'hex').toString('base64')}`,
      BODY,
      { ok: false, failure: 'malformed' },
    ],
    ['malformed: longer than 1 KiB', `${good},v0=${'a'.repeat(1024)}`, BODY, { ok: false, failure: 'malformed' }],
    [
      'malformed: nine v1 entries',
      `t=${NOW}${`,v1=${v1Of(other)}`.repeat(8)},v1=${v1Of(good)}`,
      BODY,
      { ok: false, failure: 'malformed' },
    ],
    ['multiple v1: the valid one last', `t=${NOW},v1=${v1Of(other)},v1=${v1Of(good)}`, BODY, { ok: true }],
    ['multiple v1: the valid one first', `t=${NOW},v1=${v1Of(good)},v1=${v1Of(other)}`, BODY, { ok: true }],
    [
      'multiple v1: none valid',
      `t=${NOW},v1=${v1Of(other)},v1=${v1Of(other)}`,
      BODY,
      { ok: false, failure: 'mismatch' },
    ],
    ['an unknown scheme beside v1 is skipped', `t=${NOW}, v0=legacy, v1=${v1Of(good)}`, BODY, { ok: true }],
    ['upper-case hex', `t=${NOW},v1=${v1Of(good).toUpperCase()}`, BODY, { ok: true }],
  ])('%s', (_label, header, body, expected) => {
    expect(verifySignature({ header, body, secrets: [CURRENT, PREVIOUS], nowSeconds: NOW })).toEqual(expected);
  });

  it('an empty body is signed and checked like any other', () => {
    const empty = Buffer.alloc(0);
    const header = sign(CURRENT, empty);
    expect(verifySignature({ header, body: empty, secrets: [CURRENT], nowSeconds: NOW })).toEqual({ ok: true });
  });
});

describe('parseSignatureHeader', () => {
  it('keeps the timestamp digits as sent, since they are what was signed', () => {
    const header = `t=0${NOW}, v1=${'ab'.repeat(32)}`;
    expect(parseSignatureHeader(header)).toEqual({
      timestamp: `0${NOW}`,
      signatures: [Buffer.from('ab'.repeat(32), 'hex')],
    });
  });
});

describe('authenticateWebhook', () => {
  const withBearer = { webhookSecrets: [CURRENT], webhookBearerToken: 'static-bearer-token' };
  const signatureOnly = { webhookSecrets: [CURRENT] };
  const signature = { 'x-signature-256': sign(CURRENT) };
  const forged = { 'x-signature-256': sign('forged') };

  it.each([
    ['a valid signature', signatureOnly, signature, { ok: true, scheme: 'signature' }],
    [
      'bearer mode on: the configured token',
      withBearer,
      { authorization: 'Bearer static-bearer-token' },
      { ok: true, scheme: 'bearer' },
    ],
    [
      'bearer mode on: lower-case scheme',
      withBearer,
      { authorization: 'bearer static-bearer-token' },
      { ok: true, scheme: 'bearer' },
    ],
    [
      'bearer mode on: a wrong token',
      withBearer,
      { authorization: 'Bearer static-bearer-tokeN' },
      { ok: false, scheme: 'bearer', failure: 'mismatch' },
    ],
    [
      'bearer mode on: a prefix of the token',
      withBearer,
      { authorization: 'Bearer static' },
      { ok: false, scheme: 'bearer', failure: 'mismatch' },
    ],
    [
      'bearer mode on: another scheme',
      withBearer,
      { authorization: 'Basic c3RhdGljOmJlYXJlcg==' },
      { ok: false, scheme: 'bearer', failure: 'malformed' },
    ],
    ['bearer mode on: nothing at all', withBearer, {}, { ok: false, failure: 'missing' }],
    [
      'bearer mode on: a signature is still judged alone',
      withBearer,
      { ...forged, authorization: 'Bearer static-bearer-token' },
      { ok: false, scheme: 'signature', failure: 'mismatch' },
    ],
    ['bearer mode on: a valid signature', withBearer, signature, { ok: true, scheme: 'signature' }],
    [
      'bearer mode off: any bearer token',
      signatureOnly,
      { authorization: 'Bearer static-bearer-token' },
      { ok: false, failure: 'missing' },
    ],
    ['bearer mode off: nothing at all', signatureOnly, {}, { ok: false, failure: 'missing' }],
  ])('%s', (_label, cluster, headers, expected) => {
    expect(authenticateWebhook({ headers, body: BODY, cluster, nowSeconds: NOW })).toEqual(expected);
  });
});

describe('sameSecret', () => {
  it.each([
    ['equal', 'token-1', 'token-1', true],
    ['different', 'token-1', 'token-2', false],
    ['a prefix', 'token', 'token-1', false],
    ['empty against a token', '', 'token-1', false],
  ])('%s', (_label, given, expected, result) => {
    expect(sameSecret(given, expected)).toBe(result);
  });
});
