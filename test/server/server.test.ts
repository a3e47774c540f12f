import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { MAX_EVENT_STREAMS, startBrowserHost, type BrowserHost } from '../../src/server/server.js';
import type { JobState } from '../../src/shared/system.js';
import { base64, brightnessPng, startTestService, writeBrightnessFolders } from '../backend/harness.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuv';
let service: AppService;
let host: BrowserHost;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP so tests control every header (fetch would refuse to set Host). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: host.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The cookie the page trades its URL token for: named per port, so two hosts never clash. */
const sessionCookie = (port = host.port, token = TOKEN): string => `cipherlens_token_${port}=${token}`;

const apiHeaders = (extra: Record<string, string> = {}) => ({
  cookie: sessionCookie(),
  'content-type': 'application/json',
  'x-cipherlens': '1',
  ...extra,
});

function api(
  operation: string,
  payload: unknown,
  headers: Record<string, string> = apiHeaders(),
): Promise<Reply> {
  return send(`/api/${operation}`, { method: 'POST', headers, body: JSON.stringify(payload) });
}

beforeAll(async () => {
  service = await startTestService();
  const renderer = await temporaryFolder('cipherlens-renderer-');
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>CipherLens</title>');
  await writeFile(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  host = await startBrowserHost({ service, rendererDir: renderer, token: TOKEN, port: 0 });
});
afterAll(async () => {
  await host.close();
  await service.close();
});

describe('browser host', () => {
  it('listens on 127.0.0.1 only and prints a URL carrying the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${TOKEN}`);
  });

  it('trades the URL token for an HttpOnly, SameSite=Strict cookie, then serves the page with a strict CSP', async () => {
    expect((await send('/')).status).toBe(401);
    expect((await send('/?token=wrong')).status).toBe(401);
    const login = await send(`/?token=${TOKEN}`);
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/');
    expect(String(login.headers['set-cookie'])).toMatch(
      new RegExp(`^cipherlens_token_${host.port}=.+; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const page = await send('/', { headers: { cookie: sessionCookie() } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>CipherLens</title>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = await send('/assets/app.js', { headers: { cookie: sessionCookie() } });
    expect(script.headers['content-type']).toMatch(/text\/javascript/);
  });

  it('never serves files outside the renderer folder', async () => {
    const headers = { cookie: sessionCookie() };
    expect((await send('/../../../../etc/passwd', { headers })).status).toBe(404);
    expect((await send('/%2e%2e/%2e%2e/etc/passwd', { headers })).status).toBe(404);
  });

  it('answers API calls with the same validated operations', async () => {
    const reply = await api('appInfo', {});
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ host: 'browser', demoKeyFingerprint: 'b574d9e46e54e965' });
    const bearer = await api(
      'keysStatus',
      {},
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-cipherlens': '1' },
    );
    expect(JSON.parse(bearer.body).active.fingerprint).toBe('b574d9e46e54e965');
  });

  it('refuses a missing or wrong token with 401', async () => {
    const noToken = await api('appInfo', {}, { 'content-type': 'application/json', 'x-cipherlens': '1' });
    expect(noToken.status).toBe(401);
    expect(JSON.parse(noToken.body).error.code).toBe('UNAUTHORIZED');
    const wrong = await api('appInfo', {}, apiHeaders({ cookie: `cipherlens_token_${host.port}=nope` }));
    expect(wrong.status).toBe(401);
  });

  it('refuses a bad payload with 400 and a message naming the problem', async () => {
    const reply = await api('retrieveQuery', { source: { kind: 'item', id: 'a' }, k: 100000 });
    expect(reply.status).toBe(400);
    const { error } = JSON.parse(reply.body);
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/invalid retrieveQuery request: k: /);
    const notJson = await send('/api/appInfo', { method: 'POST', headers: apiHeaders(), body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toMatch(/not valid JSON/);
    expect((await api('noSuchOperation', {})).status).toBe(404);
  });

  it('requires the API header, a loopback Host and our own Origin (CSRF and DNS rebinding guards)', async () => {
    const noHeader = await api(
      'appInfo',
      {},
      { cookie: sessionCookie(), 'content-type': 'application/json' },
    );
    expect(noHeader.status).toBe(401);
    expect((await api('appInfo', {}, apiHeaders({ host: `evil.example:${host.port}` }))).status).toBe(403);
    expect((await api('appInfo', {}, apiHeaders({ origin: 'http://evil.example' }))).status).toBe(403);
    expect((await api('appInfo', {}, apiHeaders({ origin: `http://127.0.0.1:${host.port}` }))).status).toBe(
      200,
    );
  });

  it('answers a request target it cannot parse with 400, not an internal error', async () => {
    const reply = await send('//', { headers: { cookie: sessionCookie() } });
    expect(reply.status).toBe(400);
  });

  it('limits the request body size with 413', async () => {
    const small = await startBrowserHost({
      service,
      rendererDir: '/nonexistent',
      token: TOKEN,
      port: 0,
      maxBodyBytes: 1000,
    });
    const reply = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: small.port,
          path: '/api/importUpload',
          method: 'POST',
          headers: apiHeaders({ cookie: sessionCookie(small.port) }),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ files: [{ name: 'a.png', dataBase64: 'A'.repeat(5000) }] }));
    });
    expect(reply).toBe(413);
    await small.close();
  });

  it('imports uploads and reports job progress over server-sent events', async () => {
    const upload = await api('importUpload', {
      files: [{ name: 'one.png', dataBase64: base64(await brightnessPng(30, 9)), label: 'dark' }],
    });
    expect(upload.status).toBe(200);
    expect(JSON.parse(upload.body).imported).toHaveLength(1);

    const events: JobState[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/events',
          headers: { cookie: sessionCookie() },
        },
        (res) => {
          expect(res.headers['content-type']).toMatch(/text\/event-stream/);
          let buffer = '';
          res.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            for (const block of buffer.split('\n\n').slice(0, -1)) {
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (data) events.push(JSON.parse(data) as JobState);
            }
            buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
            if (events.some((e) => e.status === 'done')) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on('error', (error) => (events.some((e) => e.status === 'done') ? resolve() : reject(error)));
      req.end();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const folder = await temporaryFolder();
    await writeBrightnessFolders(folder, 2);
    const started = JSON.parse((await api('importPaths', { paths: [folder] })).body) as { jobId: string };
    await done;
    const final = events.filter((e) => e.id === started.jobId).at(-1)!;
    expect(final.status).toBe('done');
    expect(final.kind).toBe('import-paths');
    expect(events.some((e) => e.id === started.jobId && e.status === 'running')).toBe(true);
  });

  it('caps the event streams open at once: one more is refused with 429, and a closed one frees its place', async () => {
    const open: ReturnType<typeof httpRequest>[] = [];
    const openStream = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: host.port, path: '/api/events', headers: { cookie: sessionCookie() } },
          (res) => {
            resolve(res.statusCode ?? 0);
            res.resume();
          },
        );
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
        req.end();
        open.push(req);
      });
    try {
      for (let n = 0; n < MAX_EVENT_STREAMS; n++) expect(await openStream()).toBe(200);
      expect(await openStream()).toBe(429);
      open[0]!.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await openStream()).toBe(200);
    } finally {
      for (const req of open) req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
});

describe('browser host limits and sessions', () => {
  it('drops a client that trickles its request headers (headersTimeout is set, not 0)', async () => {
    const slow = await startBrowserHost({
      service,
      rendererDir: await temporaryFolder(),
      token: TOKEN,
      port: 0,
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
    });
    try {
      const socket = connect(slow.port, '127.0.0.1');
      const reply: string[] = [];
      socket.on('data', (chunk: Buffer) => reply.push(chunk.toString()));
      const started = Date.now();
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${slow.port}\r\n`);
      const keepTrickling = setInterval(() => socket.write('x-slow: 1\r\n'), 50);
      await closed;
      clearInterval(keepTrickling);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(reply.join('')).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await slow.close();
    }
  });

  it('names its session cookie per port: a second instance on 127.0.0.1 does not log the first one out', async () => {
    const second = await startBrowserHost({
      service,
      rendererDir: await temporaryFolder(),
      token: 'another-token-0123456789abcdefghijklmnopq',
      port: 0,
    });
    try {
      const cookieOf = async (port: number, token: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: `/?token=${token}` }, (res) => {
            res.resume();
            resolve(String(res.headers['set-cookie']).split(';')[0]!);
          });
          req.on('error', reject);
          req.end();
        });
      const first = await cookieOf(host.port, TOKEN);
      const other = await cookieOf(second.port, 'another-token-0123456789abcdefghijklmnopq');
      expect(first.split('=')[0]).not.toBe(other.split('=')[0]);
      // A browser sends both cookies to both ports (cookies ignore ports): each host still finds its own.
      const both = `${first}; ${other}`;
      expect((await api('appInfo', {}, apiHeaders({ cookie: both }))).status).toBe(200);
      const onSecond = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: second.port,
            path: '/api/appInfo',
            method: 'POST',
            headers: { cookie: both, 'content-type': 'application/json', 'x-cipherlens': '1' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
      expect(onSecond).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses uploads past the bytes of bodies it will hold at once with 503 BUSY, never buffering without bound', async () => {
    const small = await startBrowserHost({
      service,
      rendererDir: await temporaryFolder(),
      token: TOKEN,
      port: 0,
      maxBodyBytes: 2000,
      maxBodyBytesInFlight: 3000,
    });
    const held: ReturnType<typeof httpRequest>[] = [];
    const upload = (hold: boolean): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: small.port,
            path: '/api/appInfo',
            method: 'POST',
            headers: { ...apiHeaders({ cookie: sessionCookie(small.port) }), 'content-length': '1600' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
        req.write(' '.repeat(1500)); // JSON whitespace; the last bytes never come while held
        if (hold) held.push(req);
        else req.end(' '.repeat(100));
      });
    try {
      void upload(true);
      void upload(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await upload(false)).toBe(503);
      for (const req of held) req.end(' '.repeat(100));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await upload(false)).toBe(200);
    } finally {
      for (const req of held) req.destroy();
      await small.close();
    }
  });
});
