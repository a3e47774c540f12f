import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { CipherLensError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs/atomic.js';
import { readRegularText } from '../core/fs/read.js';
import {
  DicomWebClient,
  normaliseBaseUrl,
  sendsCredentialsInClear,
  type PacsAuth,
} from '../core/pacs/client.js';
import type { PacsConnection } from '../shared/pacs.js';
import { userOnlyFileBox, type SecretBox } from './key-ring.js';

/**
 * The PACS connection, in pacs.json of the host's state folder (next to keyring.json, file mode 0600). The password
 * or token is sealed with the same SecretBox as the keys (Electron: the OS keychain through safeStorage; browser
 * host: the user-only file), never written in clear by CipherLens and never sent to the renderer.
 */
const storedSchema = z.object({
  format: z.literal('cipherlens-pacs'),
  version: z.literal(1),
  baseUrl: z.string(),
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('basic'), user: z.string(), sealedPassword: z.string() }),
    z.object({ kind: z.literal('bearer'), sealedToken: z.string() }),
  ]),
});
type Stored = z.infer<typeof storedSchema>;

export type PacsAuthChange =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; password?: string | undefined }
  | { kind: 'bearer'; token?: string | undefined };

export class PacsStore {
  private constructor(
    private readonly path: string,
    private readonly box: SecretBox,
    private stored: Stored | null,
  ) {}

  static async open(path: string, box: SecretBox): Promise<PacsStore> {
    let stored: Stored | null = null;
    try {
      stored = storedSchema.parse(JSON.parse(await readRegularText(path, 1024 * 1024)));
    } catch (error) {
      if (!(error instanceof CipherLensError && error.code === 'NOT_FOUND')) {
        // A damaged file only loses the connection (set it again in Settings), never the app.
        stored = null;
      }
    }
    return new PacsStore(path, box, stored);
  }

  describe(): PacsConnection {
    const stored = this.stored;
    const warnings: string[] = [];
    if (stored && stored.auth.kind !== 'none') {
      const auth: PacsAuth =
        stored.auth.kind === 'basic'
          ? { kind: 'basic', user: stored.auth.user, password: '' }
          : { kind: 'bearer', token: '' };
      if (sendsCredentialsInClear(stored.baseUrl, auth)) {
        warnings.push(
          'The connection is plain http to another machine: the password or token crosses the network unencrypted. Use the https:// address of the PACS.',
        );
      }
    }
    return {
      configured: stored !== null,
      baseUrl: stored?.baseUrl ?? null,
      auth: stored?.auth.kind ?? 'none',
      user: stored?.auth.kind === 'basic' ? stored.auth.user : null,
      credentialsSaved: stored !== null && stored.auth.kind !== 'none',
      storage:
        this.box === userOnlyFileBox
          ? 'in pacs.json, readable only by your user account (file mode 0600); not encrypted at rest, because the browser host has no OS keychain'
          : this.box.description,
      warnings,
    };
  }

  /** Saves the connection; a basic password or bearer token left out keeps the saved one (same kind only). */
  async configure(baseUrl: string | null, auth: PacsAuthChange): Promise<PacsConnection> {
    if (baseUrl === null) {
      await rm(this.path, { force: true });
      this.stored = null;
      return this.describe();
    }
    const url = normaliseBaseUrl(baseUrl);
    const previous = this.stored?.auth;
    let next: Stored['auth'];
    if (auth.kind === 'none') next = { kind: 'none' };
    else if (auth.kind === 'basic') {
      const kept = previous?.kind === 'basic' && previous.user === auth.user ? previous.sealedPassword : null;
      if (auth.password === undefined && !kept) {
        throw new CipherLensError('BAD_INPUT', `type the password of ${auth.user}`);
      }
      next = {
        kind: 'basic',
        user: auth.user,
        sealedPassword: auth.password === undefined ? kept! : this.seal(auth.password),
      };
    } else {
      const kept = previous?.kind === 'bearer' ? previous.sealedToken : null;
      if (auth.token === undefined && !kept) throw new CipherLensError('BAD_INPUT', 'paste the bearer token');
      next = { kind: 'bearer', sealedToken: auth.token === undefined ? kept! : this.seal(auth.token) };
    }
    const stored: Stored = { format: 'cipherlens-pacs', version: 1, baseUrl: url, auth: next };
    // Checked before saving: a header the client would refuse later is refused now, with the form still open.
    void this.clientFor(stored);
    await writeFileAtomic(this.path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    this.stored = stored;
    return this.describe();
  }

  /** A client for the saved connection; NOT_FOUND when there is none. */
  client(): DicomWebClient {
    if (!this.stored) {
      throw new CipherLensError(
        'NOT_FOUND',
        'no PACS connection is set: add its DICOMweb address in Settings → PACS connection',
      );
    }
    return this.clientFor(this.stored);
  }

  private clientFor(stored: Stored): DicomWebClient {
    return new DicomWebClient({ baseUrl: stored.baseUrl, auth: this.unseal(stored.auth) });
  }

  private seal(secret: string): string {
    return Buffer.from(this.box.seal(secret)).toString('base64');
  }

  private unseal(auth: Stored['auth']): PacsAuth {
    if (auth.kind === 'none') return auth;
    const sealed = auth.kind === 'basic' ? auth.sealedPassword : auth.sealedToken;
    let secret: string;
    try {
      secret = this.box.open(Buffer.from(sealed, 'base64'));
    } catch (error) {
      throw new CipherLensError(
        'INTEGRITY',
        `the saved PACS ${auth.kind === 'basic' ? 'password' : 'token'} cannot be unsealed on this machine (${(error as Error).message}): enter it again in Settings → PACS connection`,
      );
    }
    return auth.kind === 'basic'
      ? { kind: 'basic', user: auth.user, password: secret }
      : { kind: 'bearer', token: secret };
  }
}
