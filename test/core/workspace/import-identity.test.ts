import { createHash, createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../../src/core/crypto/keys.js';
import { deriveSubkey } from '../../../src/core/crypto/subkeys.js';
import { bytesImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import { Workspace } from '../../../src/core/workspace/workspace.js';
import { gradientPng, temporaryFolder } from './helpers.js';

const options = { size: 16, fit: 'resize' as const };
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

describe('import identity (the record’s sourceKey)', () => {
  it('is keyed: the file’s plain hash, alone or with the public fingerprint, is nowhere in the workspace', async () => {
    const png = await gradientPng(3);
    const key = generateKey();
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const settings = { key, condition: 'arnold+xor' as const, conversionTag: 'size=16' };
    const outcome = await importImages(workspace, [bytesImportInput('a.png', png, null, options)], settings);
    const record = workspace.list()[0]!;
    const fileHash = sha256(png);
    const unkeyed = sha256(`${fileHash}\nsize=16\n${key.fingerprint}\narnold+xor`).slice(0, 40);
    const keyed = createHmac('sha256', deriveSubkey(key.bytes, 'import-identity'))
      .update(`${fileHash}\nsize=16\narnold+xor`)
      .digest('hex')
      .slice(0, 40);
    expect(outcome.imported).toHaveLength(1);
    expect(record.sourceKey).toBe(keyed);
    for (const name of await readdir(workspace.layout.items)) {
      const text = (await readFile(join(workspace.layout.items, name))).toString('latin1');
      expect(text).not.toContain(fileHash);
      expect(text).not.toContain(unkeyed);
    }
    // Another key gives another identity for the same file.
    const other = await Workspace.open(await temporaryFolder(), { create: true });
    await importImages(other, [bytesImportInput('a.png', png, null, options)], {
      ...settings,
      key: generateKey(),
    });
    expect(other.list()[0]!.sourceKey).not.toBe(record.sourceKey);
  });

  it('still recognises items recorded with the earlier, unkeyed identity: re-importing adds no duplicate', async () => {
    const png = await gradientPng(4);
    const key = generateKey();
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const unkeyed = sha256(`${sha256(png)}\nsize=16\n${key.fingerprint}\narnold+xor`).slice(0, 40);
    const first = await importImages(workspace, [bytesImportInput('a.png', png, null, options)], {
      key,
      condition: 'arnold+xor',
      conversionTag: 'size=16',
    });
    // Rewrite the record as an older CipherLens wrote it, then reopen.
    const id = first.imported[0]!;
    const recordPath = join(workspace.layout.items, `${id}.json`);
    const record = JSON.parse(await readFile(recordPath, 'utf8')) as { sourceKey: string };
    const { writeFile } = await import('node:fs/promises');
    await writeFile(recordPath, JSON.stringify({ ...record, sourceKey: unkeyed }, null, 2));
    const reopened = await Workspace.open(workspace.path);
    expect(reopened.get(id)?.sourceKey ?? reopened.list()[0]!.sourceKey).toBe(unkeyed);
    const again = await importImages(reopened, [bytesImportInput('a.png', png, null, options)], {
      key,
      condition: 'arnold+xor',
      conversionTag: 'size=16',
    });
    expect(again).toMatchObject({ imported: [], alreadyPresent: 1 });
  });
});

describe('duplicates by content', () => {
  it('recognises the same picture in another file (re-encoded PNG) as already in the workspace', async () => {
    const sharp = (await import('sharp')).default;
    const png = await gradientPng(5);
    const reencoded = await sharp(png).png({ compressionLevel: 0 }).toBuffer();
    expect(Buffer.from(reencoded).equals(Buffer.from(png))).toBe(false);
    const key = generateKey();
    const workspace = await Workspace.open(await temporaryFolder(), { create: true });
    const settings = { key, condition: 'arnold+xor' as const, conversionTag: 'size=16' };
    const first = await importImages(workspace, [bytesImportInput('scan.png', png, null, options)], settings);
    const again = await importImages(
      workspace,
      [bytesImportInput('copy of scan.png', reencoded, null, options)],
      settings,
    );
    expect(again).toMatchObject({
      imported: [],
      alreadyPresent: 1,
      duplicates: [{ name: 'copy of scan.png', existingId: first.imported[0], existingName: 'scan.png' }],
    });
    // Removing the original frees the picture: it can be imported again.
    await workspace.remove(first.imported);
    const third = await importImages(
      workspace,
      [bytesImportInput('copy of scan.png', reencoded, null, options)],
      settings,
    );
    expect(third.imported).toHaveLength(1);
  });
});
