import { copyFile, readFile, rename, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  BOUND_CONTAINER_VERSION,
  CONTAINER_VERSION,
  decryptContainer,
  encryptToContainer,
  readContainerHeader,
} from '../../../src/core/crypto/container.js';
import { generateKey, type CipherKey } from '../../../src/core/crypto/keys.js';
import { bytesImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import { recordDigest } from '../../../src/core/workspace/item-binding.js';
import type { ItemRecord } from '../../../src/core/workspace/item-record.js';
import { rekeyWorkspace } from '../../../src/core/workspace/rekey.js';
import { containerFileOf, Workspace } from '../../../src/core/workspace/workspace.js';
import { base64, brightnessPng, startTestService } from '../../backend/harness.js';
import { gradientPng, temporaryFolder } from './helpers.js';

const options = { size: 32, fit: 'resize' as const };

async function workspaceWith(key: CipherKey, count: number): Promise<Workspace> {
  const workspace = await Workspace.open(await temporaryFolder(), { create: true });
  const inputs = [];
  for (let n = 0; n < count; n++) {
    inputs.push(bytesImportInput(`img-${n}.png`, await gradientPng(n), 'x', options));
  }
  const outcome = await importImages(workspace, inputs, { key, condition: 'arnold+xor', conversionTag: 't' });
  expect(outcome.imported).toHaveLength(count);
  return workspace;
}

const pathOf = (workspace: Workspace, item: ItemRecord): string =>
  workspace.layout.itemFile(containerFileOf(item));

async function rejectionOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('containers bound to their item (version 2)', () => {
  it('imports write version-2 containers carrying the item id and its record digest, under the MAC', async () => {
    const key = generateKey();
    const workspace = await workspaceWith(key, 1);
    const [item] = workspace.list() as [ItemRecord];
    const header = readContainerHeader(await readFile(pathOf(workspace, item)));
    expect(header.version).toBe(BOUND_CONTAINER_VERSION);
    expect(header.itemId).toBe(item.id);
    expect(item.seal).toMatch(/^[0-9a-f]{32}$/);
    expect(header.recordDigest).toBe(recordDigest({ ...item, seal: item.seal! }));
    const opened = decryptContainer(key, await workspace.readContainer(item.id));
    expect(opened.pixels).toHaveLength(32 * 32);
  });

  it('detects two containers swapped between items of the same workspace (same key), every time', async () => {
    const key = generateKey();
    const workspace = await workspaceWith(key, 3);
    const [a, b, c] = workspace.list() as [ItemRecord, ItemRecord, ItemRecord];
    const [pathA, pathB] = [pathOf(workspace, a), pathOf(workspace, b)];
    await rename(pathA, `${pathA}.swap`);
    await rename(pathB, pathA);
    await rename(`${pathA}.swap`, pathB);
    const reopened = await Workspace.open(workspace.path);
    for (const [item, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const error = await rejectionOf(reopened.readContainer(item.id));
      expect(error.code).toBe('INTEGRITY');
      expect(error.message).toContain(`belongs to another image (${other.id})`);
    }
    // The untouched item still opens.
    expect(decryptContainer(key, await reopened.readContainer(c.id)).pixels).toHaveLength(32 * 32);
  });

  it('detects a header edited to name the right item: the MAC covers the binding', async () => {
    const key = generateKey();
    const workspace = await workspaceWith(key, 2);
    const [a, b] = workspace.list() as [ItemRecord, ItemRecord];
    const bytes = Buffer.from(await readFile(pathOf(workspace, b)));
    const forged = Buffer.concat([
      bytes.subarray(0, 34),
      Uint8Array.of(a.id.length),
      Buffer.from(a.id, 'latin1'),
      Buffer.from(recordDigest({ ...a, seal: a.seal! }), 'hex'),
      bytes.subarray(35 + b.id.length + 32),
    ]);
    await writeFile(pathOf(workspace, a), forged);
    const read = await workspace.readContainer(a.id); // the header now claims to be a's …
    expect(() => decryptContainer(key, read)).toThrow(/integrity check failed/); // … but the MAC says no
  });

  it('detects an older container of the same item put back, even under the same key after rotating back', async () => {
    const [k1, k2] = [generateKey(), generateKey()];
    const workspace = await workspaceWith(k1, 2);
    const [a] = workspace.list() as [ItemRecord];
    const oldCopy = await readFile(pathOf(workspace, a));
    await rekeyWorkspace(workspace, { from: k1, to: k2 });
    await rekeyWorkspace(workspace, { from: k2, to: k1 });
    const now = workspace.require(a.id);
    expect(now.keyFingerprint).toBe(k1.fingerprint);
    expect(now.seal).not.toBe(a.seal);
    await writeFile(pathOf(workspace, now), oldCopy); // authentic under k1, but from before the rotations
    const error = await rejectionOf(workspace.readContainer(a.id));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toMatch(/older copy was put back/);
  });

  it('reads version-1 containers of older workspaces, upgrades them on rewrite, and then refuses a version 1', async () => {
    const [k1, k2] = [generateKey(), generateKey()];
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const pixels = Uint8Array.from({ length: 16 * 16 }, (_, i) => i & 0xff);
    const legacy = encryptToContainer(k1, 'arnold+xor', 16, pixels, { name: 'old.png' });
    const item = await workspace.add(
      {
        name: 'old.png',
        label: null,
        size: 16,
        condition: 'arnold+xor',
        keyFingerprint: k1.fingerprint,
        source: 'old',
        sourceKey: 'legacy-1',
        conversion: [],
      },
      legacy,
    );
    expect(item.seal).toBeUndefined();
    const reopened = await Workspace.open(workspace.path);
    const v1 = await reopened.readContainer(item.id);
    expect(readContainerHeader(v1).version).toBe(CONTAINER_VERSION);
    expect(Buffer.from(decryptContainer(k1, v1).pixels)).toEqual(Buffer.from(pixels));

    await rekeyWorkspace(reopened, { from: k1, to: k2 });
    const upgraded = reopened.require(item.id);
    const bytes = await reopened.readContainer(item.id);
    expect(readContainerHeader(bytes)).toMatchObject({ version: BOUND_CONTAINER_VERSION, itemId: item.id });
    expect(decryptContainer(k2, bytes).metadata).toEqual({ name: 'old.png' });
    expect(Buffer.from(decryptContainer(k2, bytes).pixels)).toEqual(Buffer.from(pixels));

    // Now bound: an unbound container (even authentic, same key and pixels) is not accepted in its place.
    await writeFile(pathOf(reopened, upgraded), encryptToContainer(k2, 'arnold+xor', 16, pixels));
    const error = await rejectionOf(reopened.readContainer(item.id));
    expect(error.code).toBe('INTEGRITY');
    expect(error.message).toMatch(/unbound \(version 1\) container/);
  });
});

describe('a swap seen through the app', () => {
  it('shows the items as damaged and refuses to classify them, instead of showing the other image', async () => {
    const service = await startTestService();
    try {
      await service.call('importUpload', {
        files: [
          { name: 'dark.png', dataBase64: base64(await brightnessPng(30, 1)) },
          { name: 'bright.png', dataBase64: base64(await brightnessPng(220, 2)) },
        ],
      });
      const workspace = service.context.workspace;
      const [a, b] = workspace.list() as [ItemRecord, ItemRecord];
      const [pathA, pathB] = [pathOf(workspace, a), pathOf(workspace, b)];
      await copyFile(pathA, `${pathA}.keep`);
      await copyFile(pathB, pathA);
      await copyFile(`${pathA}.keep`, pathB);
      const listed = (await service.call('libraryList', {})) as {
        items: { id: string; damage: string | null }[];
      };
      for (const item of listed.items) expect(item.damage, item.id).toMatch(/belongs to another image/);
      const error = await rejectionOf(service.call('classifyImage', { source: { kind: 'item', id: a.id } }));
      expect(error.code).toBe('INTEGRITY');
    } finally {
      await service.close();
    }
  });
});
