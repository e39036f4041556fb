import http from 'node:http';
import { bind, closeServer, ListenError, readBody, send, serve } from '../../local/http';

const LIMIT = 16;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, body: Buffer, chunked = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = chunked ? { 'Transfer-Encoding': 'chunked' } : {};
    const req = http.request(url, { method: 'POST', headers, agent: new http.Agent({ keepAlive: true }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local servers’ HTTP plumbing', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = serve(async (req, res) => {
      const read = await readBody(req, LIMIT);
      if (!read.ok) {
        send(res, 413, { 'Content-Type': 'text/plain' }, read.reason);
        return;
      }
      // A Content-Length given by the handler is replaced by the real one.
      send(res, 200, { 'Content-Type': 'text/plain', 'content-length': '999' }, `got ${read.body.toString()}`);
    });
    ({ url } = await bind(server, 'test server', '127.0.0.1', 0));
  });
  afterAll(() => closeServer(server));

  it.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])('reads a body up to the limit, %s', async (_label, chunked) => {
    const reply = await request(url, Buffer.alloc(LIMIT, 'a'), chunked);
    expect(reply).toMatchObject({ status: 200, body: `got ${'a'.repeat(LIMIT)}` });
    expect(reply.headers['content-length']).toBe(String(LIMIT + 4));
    expect(reply.headers.connection).not.toBe('close');
  });

  it.each([
    ['with a Content-Length', false],
    ['chunked', true],
  ])('refuses a larger body, %s, and closes the connection it was left on', async (_label, chunked) => {
    const reply = await request(url, Buffer.alloc(LIMIT + 1, 'a'), chunked);
    expect(reply).toMatchObject({ status: 413, body: 'too-large' });
    expect(reply.headers.connection).toBe('close');
  });

  it('names the server, the address and the reason when the port is taken', async () => {
    const port = Number(new URL(url).port);
    const other = serve(async () => undefined);
    const binding = bind(other, 'second server', '127.0.0.1', port);
    await expect(binding).rejects.toBeInstanceOf(ListenError);
    await expect(binding).rejects.toMatchObject({
      code: 'EADDRINUSE',
      port,
      message: `second server cannot listen on 127.0.0.1:${port}: the port is already in use`,
    });
  });

  it('closes at once even with a kept-alive connection open', async () => {
    const other = serve(async (_req, res) => send(res, 200, {}, 'ok'));
    const bound = await bind(other, 'keep-alive server', '127.0.0.1', 0);
    await request(bound.url, Buffer.from('x'));
    await closeServer(other);
    expect(other.listening).toBe(false);
  });
});
