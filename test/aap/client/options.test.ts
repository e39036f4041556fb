import { Logger } from '@aws-lambda-powertools/logger';
import { AapClient } from '../../../lib/aap';
import { resolveAapClientOptions } from '../../../lib/aap/options';
import type { Logger as ProjectLogger } from '../../../lib/runtime/logger';

const TOKEN = 'opt-token-123';

describe('AapClient options', () => {
  it.each([
    ['https://aap.example.com/api/controller', 'https://aap.example.com/api/controller/'],
    ['https://aap.example.com/api/controller/', 'https://aap.example.com/api/controller/'],
    ['https://aap.example.com/api/controller/v2/', 'https://aap.example.com/api/controller/'],
    ['https://awx.example.com/api', 'https://awx.example.com/api/'],
    ['http://osac-aap/api/controller', 'http://osac-aap/api/controller/'],
    ['  https://awx.example.com:8443/api//  ', 'https://awx.example.com:8443/api/'],
    ['https://proxy.example.com/aap/api', 'https://proxy.example.com/aap/api/'],
  ])('takes baseUrl %p as API root %s', (baseUrl, apiRoot) => {
    const { baseUrl: resolved } = resolveAapClientOptions({ baseUrl, token: TOKEN });
    expect(resolved.apiRoot).toBe(apiRoot);
    expect(resolved.origin).toBe(new URL(apiRoot).origin);
  });

  it('applies the documented defaults', () => {
    expect(resolveAapClientOptions({ baseUrl: 'https://aap.example.com/api', token: TOKEN })).toMatchObject({
      timeoutMs: 30_000,
      maxRetries: 4,
      retryBaseDelayMs: 500,
      maxRetryAfterMs: 30_000,
    });
  });

  it.each([
    ['not a URL', 'aap.example.com/api', 'not an absolute URL'],
    ['another scheme', 'ftp://aap.example.com/api', 'must use http or https, not ftp'],
    ['credentials', 'https://admin:pw@aap.example.com/api', 'must not carry credentials'],
    ['a query', 'https://aap.example.com/api?x=1', 'must not have a query'],
    ['no API path', 'https://aap.example.com/', 'needs the API path'],
    ['a number', 42, 'baseUrl must be a string'],
  ])('rejects a baseUrl with %s, and says how to fix it', (_case, baseUrl, problem) => {
    const build = () => new AapClient({ baseUrl: baseUrl as string, token: TOKEN });

    expect(build).toThrow(TypeError);
    expect(build).toThrow(problem);
    expect(build).toThrow('https://aap.example.com/api/controller');
  });

  it('keeps credentials from a rejected baseUrl out of the message', () => {
    expect(() => new AapClient({ baseUrl: 'ftp://admin:hunter2@aap.example.com/api', token: TOKEN })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['with inner whitespace', 'abc def'],
    ['non-ASCII', 'tøken'],
    ['a number', 12345],
    ['an object', { token: 'x' }],
  ])('rejects a token that is %s', (_case, token) => {
    expect(() => new AapClient({ baseUrl: 'https://aap.example.com/api', token: token as string })).toThrow(
      /token must be a non-empty string/,
    );
  });

  it.each([
    ['timeoutMs', 0],
    ['timeoutMs', 1.5],
    ['maxRetries', -1],
    ['maxRetries', 11],
    ['retryBaseDelayMs', -5],
    ['maxRetryAfterMs', 'soon'],
    ['organization', 0],
    ['organization', ''],
    ['logger', { info() {} }],
  ])('rejects %s = %p, naming the option', (option, value) => {
    expect(() => new AapClient({ baseUrl: 'https://aap.example.com/api', token: TOKEN, [option]: value })).toThrow(
      new RegExp(`Invalid AapClient options:[\\s\\S]*${option}`),
    );
  });

  it('accepts the powertools Logger as its logger', () => {
    const logger: ProjectLogger = new Logger({ serviceName: 'aap-client-test', logLevel: 'SILENT' });
    expect(() => new AapClient({ baseUrl: 'https://aap.example.com/api', token: TOKEN, logger })).not.toThrow();
  });

  it('accepts a token provider', () => {
    expect(resolveAapClientOptions({ baseUrl: 'https://aap.example.com/api', token: async () => 'x' }).token).toEqual(
      expect.any(Function),
    );
  });
});
