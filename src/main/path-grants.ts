import type { ApiEnvelope } from '../shared/bridge.js';
import { requestPaths } from '../shared/request-paths.js';

/** More grants than any session makes by hand; past it the oldest are forgotten (a request naming them is refused). */
export const MAX_PATH_GRANTS = 100_000;

/**
 * The paths main handed to the renderer since the app started: what its own open/save dialogs returned and what
 * the person dropped on the window. Only these may come back in a request. The renderer is not trusted with
 * paths — a script injected into the page could otherwise read any image on disk (importPaths, previewDecrypt)
 * or overwrite any file (keysExport.path). Paths match exactly, as main handed them out: no prefix or folder
 * semantics, no normalisation an attacker could play with (`/granted/../etc`). Held in memory only.
 */
export class PathGrants {
  private readonly granted = new Set<string>();

  /** Records `paths` as handed out; returns them. */
  grant(paths: readonly string[]): string[] {
    for (const path of paths) {
      if (typeof path !== 'string' || path.length === 0) continue;
      this.granted.delete(path);
      this.granted.add(path);
      if (this.granted.size > MAX_PATH_GRANTS) {
        this.granted.delete(this.granted.values().next().value!);
      }
    }
    return [...paths];
  }

  allows(path: string): boolean {
    return this.granted.has(path);
  }

  /** The refusal to send back when `payload` names a path main never handed out; null when it names none. */
  refusal(operation: string, payload: unknown): ApiEnvelope | null {
    const denied = requestPaths(operation, payload).find((path) => !this.allows(path));
    if (denied === undefined) return null;
    return {
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: `refused: ${operation} names ${JSON.stringify(denied.slice(0, 200))}, which was not chosen in a CipherLens dialog or dropped on the window in this session; choose it again`,
      },
    };
  }
}

/**
 * The preload's report of a dropped or picked File's path (cipherlens:grant-dropped-path): granted only from our
 * own window's main frame, and only a plausible path string. Returns whether the sender was trusted.
 */
export function grantDroppedPath(grants: PathGrants, trustedSender: boolean, path: unknown): boolean {
  if (trustedSender && typeof path === 'string' && path.length > 0 && path.length <= 4096)
    grants.grant([path]);
  return trustedSender;
}
