import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { requestPaths } from '../../src/shared/request-paths.js';
import { OPERATION_NAMES } from '../../src/shared/operation-names.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { brightnessPng, startTestService } from './harness.js';

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** One request per path field of the API, each naming `path`. */
const pathRequests = (path: string): [string, unknown][] => [
  ['importPaths', { paths: [path] }],
  ['previewDecrypt', { source: { kind: 'path', path } }],
  ['previewCipher', { source: { kind: 'path', path }, condition: 'xor' }],
  ['classifyImage', { source: { kind: 'path', path } }],
  ['retrieveQuery', { source: { kind: 'path', path } }],
  ['securityAnalyze', { source: { kind: 'path', path }, condition: 'xor' }],
  ['keysImport', { source: { kind: 'path', path } }],
  ['keysExport', { fingerprint: 'b574d9e46e54e965', passphrase: 'correct horse', path }],
  ['workspaceChoose', { path }],
  ['importDataset', { dataset: 'mnist', perClass: 1, dataDir: path }],
  ['modelsImport', { source: { kind: 'path', onnxPath: path } }],
  ['modelsImport', { source: { kind: 'path', onnxPath: '/x.onnx', cardPath: path } }],
];

describe('requestPaths: every path field of the API, found from the schemas', () => {
  it('finds the path in each request that names one, and nothing in requests that do not', () => {
    for (const [operation, payload] of pathRequests('/home/someone/secret.png')) {
      expect(requestPaths(operation, payload), operation).toContain('/home/someone/secret.png');
    }
    expect(requestPaths('importUpload', { files: [{ name: '/etc/passwd', dataBase64: '' }] })).toEqual([]);
    expect(requestPaths('previewCipher', { source: { kind: 'item', id: 'abc' } })).toEqual([]);
    expect(requestPaths('keysImport', { source: { kind: 'text', text: '/etc/passwd' } })).toEqual([]);
    expect(requestPaths('nope', { path: '/etc/passwd' })).toEqual([]);
    expect(requestPaths('importPaths', { paths: ['/a', '/b', 3] })).toEqual(['/a', '/b']);
  });

  it('covers every operation whose schema declares a path field (a new one cannot slip past the guards)', () => {
    const probe = '/probe';
    const found = new Set(pathRequests(probe).map(([operation]) => operation));
    // Any operation not in the list above must name no path for a payload shaped like the ones above.
    for (const operation of OPERATION_NAMES) {
      if (found.has(operation)) continue;
      for (const [, payload] of pathRequests(probe)) {
        expect(requestPaths(operation, payload), operation).toEqual([]);
      }
    }
  });
});

describe('the browser host without --allow-paths', () => {
  let service: AppService;
  let image: string;
  beforeAll(async () => {
    service = await startTestService({ host: 'browser', pathSources: undefined });
    image = join(await temporaryFolder('cipherlens-paths-'), 'private.png');
    await writeFile(image, await brightnessPng(40, 1));
  });
  afterAll(() => service.close());

  it('says so in appInfo, so the UI offers uploads only', async () => {
    const info = (await service.call('appInfo', {})) as { capabilities: { pathImport: boolean } };
    expect(info.capabilities.pathImport).toBe(false);
  });

  it('refuses every request that names a path, before the handler runs', async () => {
    const target = join(await temporaryFolder('cipherlens-paths-'), 'overwritten.key');
    await writeFile(target, 'precious');
    for (const [operation, payload] of [...pathRequests(image), ...pathRequests(target)]) {
      const error = await errorOf(service.call(operation, payload));
      expect(error.code, operation).toBe('UNAUTHORIZED');
      expect(error.message).toMatch(/--allow-paths/);
    }
    expect(await readFile(target, 'utf8')).toBe('precious');
    // Uploads still work.
    const preview = await service.call('previewCipher', {
      source: { kind: 'upload', name: 'a.png', dataBase64: (await brightnessPng(40, 1)).toString('base64') },
      condition: 'xor',
    });
    expect(preview).toMatchObject({ condition: 'xor' });
  });
});

describe('keysExport to a path', () => {
  let service: AppService;
  beforeAll(async () => {
    service = await startTestService({ host: 'electron' });
  });
  afterAll(() => service.close());

  it('never overwrites an existing file unless asked with overwrite: true', async () => {
    const folder = await temporaryFolder('cipherlens-export-');
    const target = join(folder, 'notes.txt');
    await writeFile(target, 'my notes');
    const request = { fingerprint: 'b574d9e46e54e965', passphrase: 'correct horse', path: target };
    const error = await errorOf(service.call('keysExport', request));
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(await readFile(target, 'utf8')).toBe('my notes');
    await service.call('keysExport', { ...request, overwrite: true });
    expect(await readFile(target, 'utf8')).toMatch(/"protection"/);
    const fresh = join(folder, 'new.key');
    await service.call('keysExport', { ...request, path: fresh });
    expect(await readFile(fresh, 'utf8')).toMatch(/"protection"/);
  });
});
