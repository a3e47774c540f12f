import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { guardedCall } from '../../src/main/ipc-guard.js';
import { MAX_PATH_GRANTS, PathGrants } from '../../src/main/path-grants.js';
import { brightnessPng, startTestService } from '../backend/harness.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

const ORIGINS = ['cipherlens://app'];
const frame = { url: 'cipherlens://app/index.html' };

let service: AppService;
beforeAll(async () => {
  service = await startTestService({ host: 'electron' });
});
afterAll(() => service.close());

const callWith = (grants: PathGrants, operation: string, payload: unknown) =>
  guardedCall({ service, grants, operation, payload, frame, mainFrame: frame, appOrigins: ORIGINS });

describe('the IPC guard: paths only as main handed them out', () => {
  it('refuses a path the renderer made up, and accepts it once a dialog or a drop handed it out', async () => {
    const folder = await temporaryFolder('cipherlens-grants-');
    const image = join(folder, 'scan.png');
    await writeFile(image, await brightnessPng(40, 2));
    const grants = new PathGrants();
    const request = { source: { kind: 'path', path: image }, condition: 'xor' };
    const refused = await callWith(grants, 'previewCipher', request);
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(JSON.stringify(refused)).toMatch(/not chosen in a CipherLens dialog/);
    grants.grant([image]);
    expect(await callWith(grants, 'previewCipher', request)).toMatchObject({ ok: true });
  });

  it('keeps keysExport from overwriting a file the person never chose', async () => {
    const folder = await temporaryFolder('cipherlens-grants-');
    const victim = join(folder, '.bashrc');
    await writeFile(victim, 'alias ls=ls');
    const grants = new PathGrants();
    grants.grant([join(folder, 'chosen.key')]);
    const reply = await callWith(grants, 'keysExport', {
      fingerprint: 'b574d9e46e54e965',
      passphrase: 'correct horse',
      path: victim,
      overwrite: true,
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await readFile(victim, 'utf8')).toBe('alias ls=ls');
  });

  it('matches exactly: no parent folders, no ../ tricks, every path of a request checked', async () => {
    const grants = new PathGrants();
    grants.grant(['/home/me/images']);
    expect(grants.allows('/home/me/images')).toBe(true);
    expect(grants.allows('/home/me/images/../.ssh/id_rsa')).toBe(false);
    expect(grants.allows('/home/me')).toBe(false);
    expect(grants.refusal('importPaths', { paths: ['/home/me/images'] })).toBeNull();
    expect(grants.refusal('importPaths', { paths: ['/home/me/images', '/etc'] })).not.toBeNull();
    expect(grants.refusal('workspaceChoose', { path: '/tmp/x' })).not.toBeNull();
    expect(grants.refusal('importDataset', { dataset: 'mnist', dataDir: '/etc' })).not.toBeNull();
    expect(grants.refusal('modelsImport', { source: { kind: 'path', onnxPath: '/m.onnx' } })).not.toBeNull();
    expect(grants.refusal('libraryList', {})).toBeNull();
  });

  it('still refuses untrusted senders first, and bounds what it remembers', async () => {
    const grants = new PathGrants();
    const foreign = { url: 'https://evil.example/' };
    const reply = await guardedCall({
      service,
      grants,
      operation: 'appInfo',
      payload: {},
      frame: foreign,
      mainFrame: foreign,
      appOrigins: ORIGINS,
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    for (let n = 0; n <= MAX_PATH_GRANTS; n++) grants.grant([`/p/${n}`]);
    expect(grants.allows('/p/0')).toBe(false);
    expect(grants.allows(`/p/${MAX_PATH_GRANTS}`)).toBe(true);
  });
});
