import { isRetryableNetworkCode, isTransientResponse, requestCertainlyNotSent } from '../../../lib/aap/retry-policy';

describe('isTransientResponse', () => {
  it.each([
    [200, true, false],
    [202, true, false],
    [200, false, true],
    [302, true, true],
    [400, true, false],
    [401, true, false],
    [403, true, false],
    [404, true, false],
    [405, true, false],
    [415, true, false],
    [429, true, true],
    [500, true, true],
    [503, false, true],
    [504, true, true],
  ])('HTTP %i (JSON body %p) is transient: %p', (status, json, expected) => {
    expect(isTransientResponse(status, json)).toBe(expected);
  });
});

describe('network failures', () => {
  it.each([
    ['ECONNRESET', true, false],
    ['ECONNREFUSED', true, true],
    ['ETIMEDOUT', true, false],
    ['ECONNABORTED', true, false],
    ['EAI_AGAIN', true, true],
    ['ENOTFOUND', false, true],
    ['CERT_HAS_EXPIRED', false, false],
    ['ERR_CANCELED', false, false],
    [undefined, false, false],
  ])('%p: retryable %p, certainly not sent %p', (code, retryable, notSent) => {
    expect(isRetryableNetworkCode(code)).toBe(retryable);
    expect(requestCertainlyNotSent(code)).toBe(notSent);
  });
});
