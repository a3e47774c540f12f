import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { resolveStaticFile } from '../host-common/resolve-static-file.js';
import { CONTENT_SECURITY_POLICY } from '../shared/content-security-policy.js';

export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

/** Serves a file below `root`; false when there is none (never anything outside `root`). */
export async function serveStatic(root: string, urlPath: string, response: ServerResponse): Promise<boolean> {
  const file = await resolveStaticFile(root, urlPath);
  if (!file) return false;
  const body = await readFile(file.path);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': file.contentType,
    'cache-control': 'no-store',
    'content-length': body.length,
  });
  response.end(body);
  return true;
}
