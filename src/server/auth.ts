import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The session cookie's name, per port: cookies are not isolated by port, so two hosts on 127.0.0.1 sharing one
 * name would overwrite each other's cookie and a second instance would log the first one's tab out.
 */
export const tokenCookieName = (port: number): string => `cipherlens_token_${port}`;

/** 256 bits, new at every launch. */
export const newToken = (): string => randomBytes(32).toString('base64url');

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The token from the cookie the index page set, or an `Authorization: Bearer` header (scripts, tests). */
export function isAuthorised(request: IncomingMessage, token: string, port: number): boolean {
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  return sameToken(cookie(request, tokenCookieName(port)), token) || sameToken(bearer, token);
}

export function tokenFromQuery(url: URL, token: string): boolean {
  return sameToken(url.searchParams.get('token') ?? undefined, token);
}

export function tokenCookie(token: string, port: number): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * DNS rebinding guard: a page on evil.example resolved to 127.0.0.1 still sends its own Host. Only our
 * loopback names with our port are served.
 */
export function isLoopbackHost(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host ?? '';
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(host.toLowerCase());
}

/** Browsers send Origin on cross-origin and on POST requests: when present it must be ours. */
export function isSameOrigin(request: IncomingMessage, port: number): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(origin);
}
