import {
  fromApiGatewayResult,
  type GatewayRequest,
  httpApiRouteKeys,
  InvalidRouteKey,
  isTextMediaType,
  parseRouteKey,
  parseRouteKeys,
  requestTime,
  selectRoute,
  toApiGatewayEvent,
} from '../../local/gateway';

const WEBHOOK_ROUTES = parseRouteKeys([
  'POST /v1/clusters/{cluster}/events',
  'POST /v1/clusters/{cluster}/create-compute-instance',
  'POST /v1/clusters/{cluster}/delete-compute-instance',
]);

function request(overrides: Partial<GatewayRequest> = {}): GatewayRequest {
  return {
    method: 'POST',
    url: '/v1/clusters/local/events',
    rawHeaders: ['Host', '127.0.0.1:3000', 'Content-Type', 'application/json', 'User-Agent', 'forwarder/1.0'],
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    requestId: 'req-1',
    receivedAt: new Date('2026-03-20T10:15:04.250Z'),
    ...overrides,
  };
}

describe('toApiGatewayEvent: an HTTP request as the payload format 2.0 event', () => {
  it('fills the whole event for a routed request', () => {
    const body = Buffer.from('{"type":"ADDED"}');
    expect(toApiGatewayEvent(request(), body, WEBHOOK_ROUTES)).toEqual({
      version: '2.0',
      routeKey: 'POST /v1/clusters/{cluster}/events',
      rawPath: '/v1/clusters/local/events',
      rawQueryString: '',
      headers: {
        host: '127.0.0.1:3000',
        'content-type': 'application/json',
        'user-agent': 'forwarder/1.0',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
      },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: {
          method: 'POST',
          path: '/v1/clusters/local/events',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'forwarder/1.0',
        },
        requestId: 'req-1',
        routeKey: 'POST /v1/clusters/{cluster}/events',
        stage: '$default',
        time: '20/Mar/2026:10:15:04 +0000',
        timeEpoch: Date.parse('2026-03-20T10:15:04.250Z'),
      },
      pathParameters: { cluster: 'local' },
      body: '{"type":"ADDED"}',
      isBase64Encoded: false,
    });
  });

  it.each([
    ['/v1/clusters/local/events', 'POST /v1/clusters/{cluster}/events', 'local'],
    [
      '/v1/clusters/prod-east/create-compute-instance',
      'POST /v1/clusters/{cluster}/create-compute-instance',
      'prod-east',
    ],
    ['/v1/clusters/a%2Fb/delete-compute-instance', 'POST /v1/clusters/{cluster}/delete-compute-instance', 'a/b'],
  ])('routes %s to %s with cluster %j', (url, routeKey, cluster) => {
    const event = toApiGatewayEvent(request({ url }), Buffer.alloc(0), WEBHOOK_ROUTES);
    expect(event?.routeKey).toBe(routeKey);
    expect(event?.pathParameters).toEqual({ cluster });
  });

  it.each([
    ['an unknown path', 'POST', '/v1/clusters/local/unknown'],
    ['a path one segment short', 'POST', '/v1/clusters/local'],
    ['a path one segment long', 'POST', '/v1/clusters/local/events/extra'],
    ['an empty cluster segment', 'POST', '/v1/clusters//events'],
    ['another method on a known path', 'GET', '/v1/clusters/local/events'],
    ['the root', 'GET', '/'],
  ])('matches no route for %s (API Gateway answers 404)', (_label, method, url) => {
    expect(toApiGatewayEvent(request({ method, url }), Buffer.alloc(0), WEBHOOK_ROUTES)).toBeUndefined();
  });

  it('lower-cases header names and joins repeated headers with commas', () => {
    const rawHeaders = ['X-Trace', 'a', 'x-trace', 'b', 'X-Signature-256', 't=1,v1=ff', 'Accept', '*/*'];
    const event = toApiGatewayEvent(request({ rawHeaders }), Buffer.alloc(0), WEBHOOK_ROUTES);
    expect(event?.headers).toMatchObject({ 'x-trace': 'a,b', 'x-signature-256': 't=1,v1=ff', accept: '*/*' });
    expect(Object.keys(event?.headers ?? {}).every((name) => name === name.toLowerCase())).toBe(true);
  });

  it('moves cookies into their own field', () => {
    const rawHeaders = ['Cookie', 'a=1; b=2', 'Cookie', 'c=3'];
    const event = toApiGatewayEvent(request({ rawHeaders }), Buffer.alloc(0), WEBHOOK_ROUTES);
    expect(event?.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event?.headers.cookie).toBeUndefined();
  });

  it('keeps the raw query string and decodes the parameters, joining repeats with commas', () => {
    const url = '/v1/clusters/local/events?dry=true&tag=a&tag=b&q=hello%20world&plus=a+b&flag';
    const event = toApiGatewayEvent(request({ url }), Buffer.alloc(0), WEBHOOK_ROUTES);
    expect(event?.rawPath).toBe('/v1/clusters/local/events');
    expect(event?.rawQueryString).toBe('dry=true&tag=a&tag=b&q=hello%20world&plus=a+b&flag');
    expect(event?.queryStringParameters).toEqual({ dry: 'true', tag: 'a,b', q: 'hello world', plus: 'a b', flag: '' });
  });

  it.each([
    ['application/json', false],
    ['application/json; charset=utf-8', false],
    ['text/plain', false],
    ['application/xml', false],
    ['application/javascript', false],
    ['application/octet-stream', true],
    ['application/x-www-form-urlencoded', true],
    ['image/png', true],
    [undefined, true],
  ])('a %s body arrives base64-encoded: %s', (contentType, base64) => {
    const bytes = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x7d]); // {"é"}
    const rawHeaders = contentType === undefined ? [] : ['Content-Type', contentType];
    const event = toApiGatewayEvent(request({ rawHeaders }), bytes, WEBHOOK_ROUTES);
    expect(event?.isBase64Encoded).toBe(base64);
    expect(event?.body).toBe(base64 ? bytes.toString('base64') : '{"é"}');
    expect(isTextMediaType(contentType)).toBe(!base64);
  });

  it('sends no body for an empty request body', () => {
    const event = toApiGatewayEvent(request(), Buffer.alloc(0), WEBHOOK_ROUTES);
    expect(event).not.toHaveProperty('body');
    expect(event?.isBase64Encoded).toBe(false);
  });

  it('appends the client to an X-Forwarded-For it was given', () => {
    const event = toApiGatewayEvent(
      request({ rawHeaders: ['X-Forwarded-For', '10.0.0.1'], sourceIp: '127.0.0.2' }),
      Buffer.alloc(0),
      WEBHOOK_ROUTES,
    );
    expect(event?.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.2');
  });

  it.each([
    [new Date('2026-01-05T03:04:05Z'), '05/Jan/2026:03:04:05 +0000'],
    [new Date('2026-12-31T23:59:59.999Z'), '31/Dec/2026:23:59:59 +0000'],
  ])('formats requestContext.time of %s as %s', (date, text) => {
    expect(requestTime(date)).toBe(text);
  });
});

describe('route selection, as API Gateway chooses', () => {
  const routes = parseRouteKeys([
    'GET /pets/{id}',
    'GET /pets/dog',
    'ANY /pets/cat',
    'GET /pets/cat',
    'GET /files/{path+}',
    'GET /files/special/{name}',
    'ANY /{proxy+}',
    '$default',
  ]);
  it.each([
    ['GET', '/pets/dog', 'GET /pets/dog', {}],
    ['GET', '/pets/7', 'GET /pets/{id}', { id: '7' }],
    ['GET', '/pets/cat', 'GET /pets/cat', {}],
    ['DELETE', '/pets/cat', 'ANY /pets/cat', {}],
    ['GET', '/files/special/x', 'GET /files/special/{name}', { name: 'x' }],
    ['GET', '/files/a/b/c', 'GET /files/{path+}', { path: 'a/b/c' }],
    ['POST', '/anything/else', 'ANY /{proxy+}', { proxy: 'anything/else' }],
    ['GET', '/', '$default', {}],
  ])('%s %s → %s', (method, path, routeKey, pathParameters) => {
    const match = selectRoute(routes, method, path);
    expect(match?.route.key).toBe(routeKey);
    expect(match?.pathParameters).toEqual(pathParameters);
  });

  it.each([['POST'], ['post /path'], ['FETCH /path'], ['GET path'], ['GET /a/{b+}/c'], ['GET /a/{b'], ['GET /a//b']])(
    'refuses the route key %j',
    (key) => {
      expect(() => parseRouteKey(key)).toThrow(InvalidRouteKey);
    },
  );

  it('refuses a route declared twice', () => {
    expect(() => parseRouteKeys(['GET /a', 'GET /a'])).toThrow('declared twice');
  });
});

describe('httpApi events of a serverless.yml function', () => {
  it.each([
    [[{ httpApi: { method: 'POST', path: '/v1/clusters/{cluster}/events' } }], ['POST /v1/clusters/{cluster}/events']],
    [[{ httpApi: 'GET /health' }], ['GET /health']],
    [[{ httpApi: '*' }], ['$default']],
    [[{ httpApi: { method: '*', path: '/any' } }], ['ANY /any']],
    [[{ schedule: 'rate(5 minutes)' }, { httpApi: { method: 'post', path: '/a' } }], ['POST /a']],
    [undefined, []],
  ])('%j → %j', (events, keys) => {
    expect(httpApiRouteKeys(events, 'functions.f')).toEqual(keys);
  });

  it.each([
    [[{ httpApi: { method: 'POST' } }], /functions\.f\.events\[0\]\.httpApi needs a method and a path/],
    // A Serverless variable, written as serverless.yml holds it.
    [[{ httpApi: `POST /${'$'}{param:path}` }], /variables in routes are not resolved locally/],
    [[{ httpApi: 'POST nope' }], /functions\.f\.events\[0\]\.httpApi: route key/],
    [{ httpApi: '*' }, /functions\.f\.events must be a list/],
  ])('refuses %j', (events, message) => {
    expect(() => httpApiRouteKeys(events, 'functions.f')).toThrow(message);
  });
});

describe('fromApiGatewayResult: the function result as the HTTP response', () => {
  it('sends a structured result as given, header names lower-cased', () => {
    const response = fromApiGatewayResult({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json', 'X-Count': 3, 'X-Flag': true },
      body: '{"action":"provision"}',
    });
    expect(response.statusCode).toBe(202);
    expect(response.headers).toEqual({ 'content-type': 'application/json', 'x-count': '3', 'x-flag': 'true' });
    expect(response.body.toString()).toBe('{"action":"provision"}');
  });

  it('decodes a base64 body', () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const response = fromApiGatewayResult({ statusCode: 200, body: bytes.toString('base64'), isBase64Encoded: true });
    expect(response.body).toEqual(bytes);
  });

  it('turns cookies into Set-Cookie headers', () => {
    const response = fromApiGatewayResult({ statusCode: 200, cookies: ['a=1; Path=/', 'b=2'] });
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect(response.body.length).toBe(0);
  });

  it.each([
    [{ action: 'ignored' }, '{"action":"ignored"}'],
    ['hello', '"hello"'],
    [42, '42'],
    [null, 'null'],
    [undefined, 'null'],
  ])('infers a 200 JSON response for a result without statusCode: %j', (result, body) => {
    const response = fromApiGatewayResult(result);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body.toString()).toBe(body);
  });

  it.each([
    [{ statusCode: 'ok' }],
    [{ statusCode: 99 }],
    [{ statusCode: 200.5 }],
    [{ statusCode: 200, body: { not: 'a string' } }],
    [{ statusCode: 200, headers: { a: { nested: true } } }],
  ])('answers 500 for a malformed structured result %j', (result) => {
    const response = fromApiGatewayResult(result);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body.toString())).toEqual({ message: 'Internal Server Error' });
  });
});
