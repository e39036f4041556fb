import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type Gateway, type GatewayAccessEntry, MAX_REQUEST_BODY_BYTES, startGateway } from '../../local/gateway';
import { ListenError } from '../../local/http';

interface Call {
  event: APIGatewayProxyEventV2;
  context: Context;
}

/** Plain node:http, so a refused upload shows as the status the server sent, not as a client-side error. */
function send(
  url: string,
  options: { method?: string; body?: Buffer; headers?: Record<string, string>; chunked?: boolean } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined && !options.chunked) headers['content-length'] = String(options.body.length);
    const req = http.request(url, { method: options.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    // The server may close the connection before the whole upload is sent: the answer already arrived.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('the local API Gateway server', () => {
  let gateway: Gateway;
  const calls: Call[] = [];
  const access: GatewayAccessEntry[] = [];
  const fallbackPaths: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      routes: [
        {
          routeKey: 'POST /v1/clusters/{cluster}/events',
          functionName: 'cloudkit-provisioner-local-webhook',
          timeoutMs: 10_000,
          handler: async (event, context) => {
            calls.push({ event, context });
            return {
              statusCode: 202,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ action: 'provision', cluster: event.pathParameters?.cluster }),
            };
          },
        },
        {
          routeKey: 'POST /broken',
          functionName: 'broken',
          handler: async () => {
            throw new Error('the function crashed');
          },
        },
        {
          routeKey: 'POST /slow',
          functionName: 'slow',
          timeoutMs: 50,
          handler: () => new Promise(() => undefined),
        },
      ],
      fallback: (req, res) => {
        if (!req.url?.startsWith('/console')) return false;
        fallbackPaths.push(req.url);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('console page');
        return true;
      },
      onAccess: (entry) => access.push(entry),
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });
  beforeEach(() => {
    calls.length = 0;
    access.length = 0;
  });

  it('runs the route function with the event and sends back its result', async () => {
    const body = Buffer.from('{"type":"ADDED","object":{}}');
    const response = await send(`${gateway.url}/v1/clusters/local/events?x=1`, {
      body,
      headers: { 'content-type': 'application/json', 'x-signature-256': 't=1,v1=00' },
    });
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ action: 'provision', cluster: 'local' });
    expect(calls).toHaveLength(1);
    const [{ event, context }] = calls as [Call];
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/clusters/{cluster}/events',
      rawPath: '/v1/clusters/local/events',
      rawQueryString: 'x=1',
      body: body.toString(),
      isBase64Encoded: false,
      headers: { 'x-signature-256': 't=1,v1=00' },
      requestContext: { http: { method: 'POST', sourceIp: '127.0.0.1' } },
    });
    expect(context.functionName).toBe('cloudkit-provisioner-local-webhook');
    expect(context.awsRequestId).toBe(event.requestContext.requestId);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(access).toEqual([
      {
        method: 'POST',
        path: '/v1/clusters/local/events',
        routeKey: 'POST /v1/clusters/{cluster}/events',
        statusCode: 202,
        response: { action: 'provision', cluster: 'local' },
      },
    ]);
  });

  it.each([
    ['POST', '/v1/clusters/local/nope'],
    ['GET', '/v1/clusters/local/events'],
    ['GET', '/elsewhere'],
  ])('answers %s %s with API Gateway’s 404 and runs nothing', async (method, path) => {
    const response = await send(`${gateway.url}${path}`, { method });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: 'Not Found' });
    expect(calls).toHaveLength(0);
  });

  it('hands requests no route matches to the fallback (the console)', async () => {
    const response = await send(`${gateway.url}/console/index.html`, { method: 'GET' });
    expect(response).toMatchObject({ status: 200, body: 'console page' });
    expect(fallbackPaths).toContain('/console/index.html');
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['with a Content-Length', false],
    ['sent chunked, without a length', true],
  ])('refuses a body over 10 MB %s with 413 before the function runs', async (_label, chunked) => {
    const body = Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x61);
    const response = await send(`${gateway.url}/v1/clusters/local/events`, { body, chunked });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ message: 'Request Entity Too Large' });
    expect(calls).toHaveLength(0);
  });

  it('accepts a body of exactly 10 MB', async () => {
    const body = Buffer.alloc(MAX_REQUEST_BODY_BYTES, 0x61);
    const response = await send(`${gateway.url}/v1/clusters/local/events`, {
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(202);
    // Compared as a number: a failing match on the body itself would print 10 MB.
    expect(calls[0]?.event.body?.length).toBe(MAX_REQUEST_BODY_BYTES);
  });

  it('answers 500 when the function throws, without its error', async () => {
    const response = await send(`${gateway.url}/broken`, { body: Buffer.from('{}') });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: 'Internal Server Error' });
    expect(response.body).not.toContain('crashed');
  });

  it('answers 503 when the function outlives its timeout', async () => {
    const response = await send(`${gateway.url}/slow`, { body: Buffer.from('{}') });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({ message: 'Service Unavailable' });
  });

  it('refuses a port that is taken, saying so', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const starting = startGateway({ port, routes: [] });
      await expect(starting).rejects.toBeInstanceOf(ListenError);
      await expect(starting).rejects.toMatchObject({ code: 'EADDRINUSE', port });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('waits for an invocation in flight when it closes', async () => {
    let release: (() => void) | undefined;
    const own = await startGateway({
      port: 0,
      routes: [
        {
          routeKey: 'POST /held',
          functionName: 'held',
          handler: () =>
            new Promise((resolve) => {
              release = () => resolve({ statusCode: 204 });
            }),
        },
      ],
    });
    const pending = send(`${own.url}/held`, { body: Buffer.from('{}') });
    // The invocation has begun once the handler has handed out its release.
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = own.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    expect((await pending).status).toBe(204);
    await closing;
    expect(closed).toBe(true);
  });
});
