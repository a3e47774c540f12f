import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { resolveStaticFile } from '../host-common/resolve-static-file.js';
import { CONTENT_SECURITY_POLICY } from '../shared/content-security-policy.js';

/** The renderer is served from cipherlens://app/, not file://, so it gets an origin, headers and a CSP. */
export const APP_SCHEME = 'cipherlens';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
    },
  ]);
}

/** Serves files of the built renderer, each with the strict CSP header; nothing outside `rendererDir`. */
export function serveRenderer(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const file = await resolveStaticFile(rendererDir, url.pathname);
    if (!file) return new Response('not found', { status: 404 });
    return new Response(await readFile(file.path), {
      headers: {
        'content-type': file.contentType,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
    });
  });
}
