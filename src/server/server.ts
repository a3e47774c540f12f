import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppService } from '../backend/service.js';
import { errorPayload } from '../backend/service.js';
import { CipherLensApiError } from '../shared/api.js';
import { API_HEADER, MAX_UPLOAD_BYTES } from '../shared/common.js';
import { isAuthorised, isLoopbackHost, isSameOrigin, tokenCookie, tokenFromQuery } from './auth.js';
import { statusForCode } from './http-status.js';
import { SECURITY_HEADERS, serveStatic } from './static-files.js';

/** A JSON request body: one upload at the API's file limit in base64, plus room for the rest. */
export const MAX_BODY_BYTES = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 1024 * 1024;
const SSE_PING_MS = 15_000;
/**
 * Event streams open at once. Every page of the host (each tab) holds one; past this a new one is refused with
 * 429, so a script opening streams in a loop cannot pile up sockets and listeners. All clients share the one
 * token of a launch, so the cap is per host launch (per client).
 */
export const MAX_EVENT_STREAMS = 16;
/** Time to receive a request's headers: a client that trickles them is dropped (slowloris). */
export const HEADERS_TIMEOUT_MS = 15_000;
/**
 * Time to receive a whole request, body included: the largest body (MAX_BODY_BYTES ≈ 65 MiB) over loopback
 * takes well under a second, so two minutes is generous. Event streams are not affected: their request is a
 * bodiless GET, complete at once; only the response stays open.
 */
export const REQUEST_TIMEOUT_MS = 120_000;

export interface BrowserHostOptions {
  service: AppService;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  token: string;
  /** 0 picks a free port. */
  port: number;
  maxBodyBytes?: number;
  /** Overrides MAX_BODY_BYTES_IN_FLIGHT (tests). */
  maxBodyBytesInFlight?: number;
  /** Overrides HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS (tests). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface BrowserHost {
  readonly port: number;
  /** The URL to open: it carries the token once, which the page trades for a cookie. */
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(response: ServerResponse, code: string, message: string): void {
  sendJson(response, statusForCode(code), { error: { code, message } });
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(text);
}

/**
 * Request bodies held in memory at once, over all requests: four of the largest. Parallel uploads past it are
 * refused with 503 BUSY instead of buffering without bound (the decode budget then bounds what they decode to).
 */
export const MAX_BODY_BYTES_IN_FLIGHT = 4 * MAX_BODY_BYTES;

/** Bytes of request bodies being buffered now, shared by `readBody` calls of one host. */
interface BodyAccount {
  inFlight: number;
  readonly max: number;
}

async function readBody(request: IncomingMessage, limit: number, account: BodyAccount): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) throw new CipherLensApiError('PAYLOAD_TOO_LARGE', tooLarge(limit));
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      account.inFlight += chunk.length;
      if (size > limit) throw new CipherLensApiError('PAYLOAD_TOO_LARGE', tooLarge(limit));
      if (account.inFlight > account.max) {
        throw new CipherLensApiError(
          'BUSY',
          'too many uploads at once: this one was not read; send it again when the others are done',
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    account.inFlight -= size;
  }
}

const tooLarge = (limit: number): string =>
  `request body is over ${Math.round(limit / 1024 / 1024)} MiB: upload fewer or smaller files per request`;

/**
 * The browser host: the built renderer and the API on 127.0.0.1 only. Every request must carry the
 * per-launch token (cookie or bearer), name our loopback host, and API calls must add the x-cipherlens header.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { service, token } = options;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const bodies: BodyAccount = {
    inFlight: 0,
    max: options.maxBodyBytesInFlight ?? Math.max(MAX_BODY_BYTES_IN_FLIGHT, 4 * maxBody),
  };
  const log = options.log ?? (() => undefined);
  const streams = new Set<ServerResponse>();
  let port = options.port;

  const handleApi = async (
    request: IncomingMessage,
    response: ServerResponse,
    operation: string,
  ): Promise<void> => {
    if (request.method !== 'POST') return sendError(response, 'BAD_INPUT', 'API calls are POST requests');
    if (request.headers[API_HEADER] !== '1') {
      return sendError(response, 'UNAUTHORIZED', `API calls must send the header "${API_HEADER}: 1"`);
    }
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
      return sendError(response, 'BAD_INPUT', 'API calls send JSON (content-type: application/json)');
    }
    let payload: unknown;
    try {
      const body = await readBody(request, maxBody, bodies);
      payload = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      if (error instanceof CipherLensApiError) return sendError(response, error.code, error.message);
      return sendError(
        response,
        'BAD_INPUT',
        `the request body is not valid JSON: ${(error as Error).message}`,
      );
    }
    try {
      sendJson(response, 200, await service.call(operation, payload));
    } catch (error) {
      const { code, message } = errorPayload(error);
      if (code === 'INTERNAL') log(`${operation}: ${message}`);
      sendError(response, code, message);
    }
  };

  const handleEvents = (request: IncomingMessage, response: ServerResponse): void => {
    if (streams.size >= MAX_EVENT_STREAMS) {
      return sendJson(response, 429, {
        error: {
          code: 'TOO_MANY_STREAMS',
          message: `${MAX_EVENT_STREAMS} event streams are already open: close other CipherLens tabs`,
        },
      });
    }
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    streams.add(response);
    const stop = service.onJobEvent((event) =>
      response.write(`event: job\ndata: ${JSON.stringify(event)}\n\n`),
    );
    const ping = setInterval(() => response.write(': ping\n\n'), SSE_PING_MS);
    request.on('close', () => {
      clearInterval(ping);
      stop();
      streams.delete(response);
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (!isLoopbackHost(request, port) || !isSameOrigin(request, port)) {
      return sendText(response, 403, 'CipherLens answers only to http://127.0.0.1 pages it served itself.');
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      return sendText(response, 400, 'bad request target');
    }
    if (url.pathname === '/' && url.searchParams.has('token')) {
      if (!tokenFromQuery(url, token)) {
        return sendText(
          response,
          401,
          'This token is not valid: open the URL that `npm run serve` printed this time.',
        );
      }
      response.writeHead(302, { ...SECURITY_HEADERS, 'set-cookie': tokenCookie(token, port), location: '/' });
      return void response.end();
    }
    if (!isAuthorised(request, token, port)) {
      if (url.pathname.startsWith('/api/')) {
        return sendError(
          response,
          'UNAUTHORIZED',
          'missing or wrong token: open the URL that `npm run serve` printed',
        );
      }
      return sendText(
        response,
        401,
        'Not authorised: open the URL with the token that `npm run serve` printed.',
      );
    }
    if (url.pathname === '/api/events') {
      if (request.method !== 'GET')
        return sendError(response, 'BAD_INPUT', 'the event stream is a GET request');
      return handleEvents(request, response);
    }
    if (url.pathname.startsWith('/api/'))
      return handleApi(request, response, url.pathname.slice('/api/'.length));
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendText(response, 405, 'method not allowed');
    if (await serveStatic(options.rendererDir, url.pathname, response)) return;
    if (url.pathname === '/') {
      return sendText(
        response,
        500,
        `The renderer is not built (${options.rendererDir} is missing): run \`npm run build\` first.`,
      );
    }
    sendText(response, 404, 'not found');
  };

  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const server: Server = createServer(
    // Timeouts are enforced when connections are checked: at least as often as the shortest one.
    { connectionsCheckingInterval: Math.min(30_000, Math.max(100, headersTimeout / 2)) },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        log(`request failed: ${(error as Error).stack ?? String(error)}`);
        if (!response.headersSent) sendError(response, 'INTERNAL', 'unexpected server error');
        else response.destroy();
      });
    },
  );
  server.headersTimeout = headersTimeout;
  server.requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
