import { spawn } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptContainer, encryptToContainer } from '../../../src/core/crypto/container.js';
import { generateKey, type CipherKey } from '../../../src/core/crypto/keys.js';
import { bytesImportInput } from '../../../src/core/workspace/import-inputs.js';
import { importImages } from '../../../src/core/workspace/importer.js';
import type { ItemRecord } from '../../../src/core/workspace/item-record.js';
import { readPendingRekey, rekeyWorkspace } from '../../../src/core/workspace/rekey.js';
import { containerFileOf, Workspace } from '../../../src/core/workspace/workspace.js';
import { gradientPng, temporaryFolder } from './helpers.js';

const options = { size: 32, fit: 'resize' as const };

/** A workspace with `count` distinct images under `key` (seeds from `firstSeed`). */
async function workspaceWith(
  key: CipherKey,
  count: number,
  root?: string,
  firstSeed = 0,
): Promise<Workspace> {
  const workspace = await Workspace.open(root ?? (await temporaryFolder()), { create: true });
  await addImages(workspace, key, count, firstSeed);
  return workspace;
}

async function addImages(workspace: Workspace, key: CipherKey, count: number, firstSeed: number) {
  const inputs = [];
  for (let n = 0; n < count; n++) {
    inputs.push(bytesImportInput(`img-${firstSeed + n}.png`, await gradientPng(firstSeed + n), 'x', options));
  }
  const outcome = await importImages(workspace, inputs, { key, condition: 'arnold+xor', conversionTag: 't' });
  expect(outcome.imported).toHaveLength(count);
  return outcome.imported;
}

/** Each image's plain pixels, decrypted with the key its record names. */
async function plainPixels(workspace: Workspace, keys: readonly CipherKey[]): Promise<Map<string, Buffer>> {
  const pixels = new Map<string, Buffer>();
  for (const item of workspace.list()) {
    const key = keys.find((k) => k.fingerprint === item.keyFingerprint);
    expect(key, `no test key for ${item.keyFingerprint}`).toBeDefined();
    const opened = decryptContainer(key!, await workspace.readContainer(item.id), item.id);
    expect(opened.header.keyFingerprint).toBe(item.keyFingerprint);
    pixels.set(item.id, Buffer.from(opened.pixels));
  }
  return pixels;
}

/** items/ holds exactly one record and the one container it names per image. */
async function expectOnlyNamedFiles(workspace: Workspace): Promise<void> {
  const expected = workspace.list().flatMap((item) => [`${item.id}.json`, containerFileOf(item)]);
  expect((await readdir(workspace.layout.items)).sort()).toEqual(expected.sort());
}

function runFixture(
  root: string,
  from: CipherKey,
  to: CipherKey,
  env: Record<string, string> = {},
): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'crash-rekey.fixture.ts'),
      root,
      Buffer.from(from.bytes).toString('hex'),
      Buffer.from(to.bytes).toString('hex'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ output, signal })));
}

describe('rekeyWorkspace (key rotation)', () => {
  it('re-encrypts every image to the new key with identical pixels, and back again', async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 6);
    const before = await plainPixels(workspace, [oldKey]);
    const progress: number[] = [];

    const outcome = await rekeyWorkspace(workspace, {
      from: oldKey,
      to: newKey,
      onProgress: (done) => progress.push(done),
    });
    expect(outcome).toMatchObject({ total: 6, rekeyed: 6, alreadyNew: 0, otherKey: [], failed: [] });
    expect(progress).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(workspace.list().every((item) => item.keyFingerprint === newKey.fingerprint)).toBe(true);
    expect(await plainPixels(workspace, [newKey])).toEqual(before);
    const first = workspace.list()[0]!;
    await workspace
      .readContainer(first.id)
      .then((bytes) => expect(() => decryptContainer(oldKey, bytes, 'x')).toThrow(/wrong key/));
    await expectOnlyNamedFiles(workspace);
    expect(workspace.formatVersion).toBe(2);
    expect(await readPendingRekey(workspace)).toBeNull();

    // What is on disk says the same after a reopen.
    const reopened = await Workspace.open(workspace.path);
    expect(reopened.problems).toEqual([]);
    expect(reopened.list()).toEqual(workspace.list());
    expect(await plainPixels(reopened, [newKey])).toEqual(before);
    const marker = JSON.parse(await readFile(reopened.layout.marker, 'utf8')) as { version: number };
    expect(marker.version).toBe(2);

    // And back: the images return to their usual file names.
    const back = await rekeyWorkspace(reopened, { from: newKey, to: oldKey });
    expect(back.rekeyed).toBe(6);
    expect(reopened.list().every((item) => item.container === undefined)).toBe(true);
    await expectOnlyNamedFiles(reopened);
    expect(await plainPixels(await Workspace.open(reopened.path), [oldKey])).toEqual(before);
  });

  it('resumes after a cancel: what was done stays, the rest follows, nothing is done twice', async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 8);
    const before = await plainPixels(workspace, [oldKey]);
    const controller = new AbortController();
    await expect(
      rekeyWorkspace(workspace, {
        from: oldKey,
        to: newKey,
        signal: controller.signal,
        onProgress: (done) => {
          if (done === 3) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED', message: /after 4 of 8 images.*run it again/ });
    expect(await readPendingRekey(workspace)).toMatchObject({
      from: oldKey.fingerprint,
      to: newKey.fingerprint,
    });

    const halfway = await Workspace.open(workspace.path);
    const onNew = halfway.list().filter((item) => item.keyFingerprint === newKey.fingerprint);
    expect(onNew).toHaveLength(4);
    expect(await plainPixels(halfway, [oldKey, newKey])).toEqual(before);
    await expectOnlyNamedFiles(halfway);

    const resumed = await rekeyWorkspace(halfway, { from: oldKey, to: newKey });
    expect(resumed).toMatchObject({ total: 8, rekeyed: 4, alreadyNew: 4, failed: [] });
    expect(await plainPixels(halfway, [newKey])).toEqual(before);
    expect(await readPendingRekey(halfway)).toBeNull();
    const again = await rekeyWorkspace(halfway, { from: oldKey, to: newKey });
    expect(again).toMatchObject({ rekeyed: 0, alreadyNew: 8 });
  });

  it('leaves images under a third key untouched, byte for byte, and reports them', async () => {
    const [oldKey, newKey, thirdKey] = [generateKey(), generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 3);
    const thirdIds = await addImages(workspace, thirdKey, 2, 100);
    const files = async () =>
      Promise.all(
        thirdIds.map((id) => readFile(workspace.layout.itemFile(containerFileOf(workspace.require(id))))),
      );
    const thirdBefore = await files();
    const recordsBefore = thirdIds.map((id) => workspace.require(id));

    const outcome = await rekeyWorkspace(workspace, { from: oldKey, to: newKey });
    expect(outcome).toMatchObject({
      total: 5,
      rekeyed: 3,
      otherKey: [{ fingerprint: thirdKey.fingerprint, count: 2 }],
      failed: [],
    });
    expect(thirdIds.map((id) => workspace.require(id))).toEqual(recordsBefore);
    expect(await files()).toEqual(thirdBefore);
    await plainPixels(await Workspace.open(workspace.path), [newKey, thirdKey]);
  });

  it('reports images the old key cannot open, keeps them as they were, and carries on', async () => {
    const [oldKey, newKey, thirdKey] = [generateKey(), generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 4);
    const [damaged, foreign] = workspace.list() as [ItemRecord, ItemRecord];
    const damagedPath = workspace.layout.itemFile(containerFileOf(damaged));
    const bytes = await readFile(damagedPath);
    bytes[bytes.length - 40]! ^= 0xff; // one ciphertext byte: the MAC no longer matches
    await writeFile(damagedPath, bytes);
    const foreignPath = workspace.layout.itemFile(containerFileOf(foreign));
    await writeFile(
      foreignPath,
      encryptToContainer(thirdKey, 'arnold+xor', 32, new Uint8Array(32 * 32).fill(7)),
    );
    await mkdir(workspace.layout.indexes, { recursive: true });
    await writeFile(workspace.layout.index('m', oldKey.fingerprint), 'old index');

    const outcome = await rekeyWorkspace(workspace, { from: oldKey, to: newKey });
    expect(outcome.rekeyed).toBe(2);
    expect(outcome.failed.map((f) => [f.id, f.code])).toEqual([
      [damaged.id, 'INTEGRITY'],
      [foreign.id, 'WRONG_KEY'],
    ]);
    expect(outcome.failed[0]!.reason).toMatch(
      new RegExp(`key ${oldKey.fingerprint} cannot open it: integrity`),
    );
    expect(outcome.failed[1]!.reason).toMatch(
      new RegExp(
        `record says key ${oldKey.fingerprint}, but its encrypted file is under key ${thirdKey.fingerprint}`,
      ),
    );
    expect(workspace.require(damaged.id).keyFingerprint).toBe(oldKey.fingerprint);
    expect(await readFile(damagedPath)).toEqual(bytes);
    // Images are left under the old key, so its index is kept.
    expect(outcome.indexesRemoved).toEqual([]);
    expect(await readdir(workspace.layout.indexes)).toEqual([`m--${oldKey.fingerprint}.clvs`]);
  });

  it('removes the old key’s embeddings indexes once no image is left under it', async () => {
    const [oldKey, newKey, thirdKey] = [generateKey(), generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 2);
    await mkdir(workspace.layout.indexes, { recursive: true });
    for (const [model, key] of [
      ['a', oldKey],
      ['b', oldKey],
      ['a', newKey],
      ['a', thirdKey],
    ] as const) {
      await writeFile(workspace.layout.index(model, key.fingerprint), 'index');
    }
    const outcome = await rekeyWorkspace(workspace, { from: oldKey, to: newKey });
    expect(outcome.indexesRemoved).toEqual([
      `a--${oldKey.fingerprint}.clvs`,
      `b--${oldKey.fingerprint}.clvs`,
    ]);
    expect((await readdir(workspace.layout.indexes)).sort()).toEqual(
      [`a--${newKey.fingerprint}.clvs`, `a--${thirdKey.fingerprint}.clvs`].sort(),
    );
  });

  it('opening after a crash at either step of one image keeps the copy its record names', async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 2);
    const [a, b] = workspace.list() as [ItemRecord, ItemRecord];
    const before = await plainPixels(workspace, [oldKey]);
    const reencrypted = (id: string) =>
      workspace.readContainer(id).then((bytes) => {
        const opened = decryptContainer(oldKey, bytes, id);
        return encryptToContainer(newKey, 'arnold+xor', 32, opened.pixels);
      });
    // a: killed after writing its new container, before the record switched.
    await writeFile(
      workspace.layout.itemFile(`${a.id}.${newKey.fingerprint}.clens`),
      await reencrypted(a.id),
    );
    // b: killed after the record switched, before the old container was removed.
    const oldCopy = await readFile(workspace.layout.container(b.id));
    await workspace.replaceContainer(b.id, await reencrypted(b.id), { keyFingerprint: oldKey.fingerprint });
    await writeFile(workspace.layout.container(b.id), oldCopy);
    // And a half-written temporary of the new container.
    await writeFile(
      workspace.layout.itemFile(`${a.id}.${newKey.fingerprint}.clens.0123456789ab.tmp`),
      'half',
    );

    const reopened = await Workspace.open(workspace.path);
    expect(reopened.problems).toEqual([]);
    expect(reopened.require(a.id)).toMatchObject({ keyFingerprint: oldKey.fingerprint });
    expect(reopened.require(a.id).container).toBeUndefined();
    expect(reopened.require(b.id)).toMatchObject({
      keyFingerprint: newKey.fingerprint,
      container: `${b.id}.${newKey.fingerprint}.clens`,
    });
    await expectOnlyNamedFiles(reopened);
    expect(await plainPixels(reopened, [oldKey, newKey])).toEqual(before);
  });

  it('keeps every file of a record it cannot read, whatever its name', async () => {
    const key = generateKey();
    const workspace = await workspaceWith(key, 1);
    const items = workspace.layout.items;
    await writeFile(join(items, 'bad.json'), '{"format":"cipherlens-item"');
    await writeFile(join(items, 'bad.clens'), 'x');
    await writeFile(join(items, `bad.${key.fingerprint}.clens`), 'y');
    const [good] = workspace.list();
    // A record pointing at another item's file is refused, and its own files are kept.
    const stolen = { ...good!, id: 'thief', container: `${good!.id}.${key.fingerprint}.clens` };
    await writeFile(join(items, 'thief.json'), JSON.stringify(stolen));
    await copyFile(workspace.layout.container(good!.id), join(items, 'thief.clens'));
    const reopened = await Workspace.open(workspace.path);
    expect(reopened.size).toBe(1);
    expect(reopened.problems.map((p) => p.file).sort()).toEqual(['bad.json', 'thief.json']);
    expect(reopened.problems.find((p) => p.file === 'thief.json')!.reason).toMatch(/belongs to another item/);
    const names = await readdir(items);
    for (const name of ['bad.clens', `bad.${key.fingerprint}.clens`, 'thief.clens'])
      expect(names).toContain(name);
  });

  it('refuses the same key twice, an interrupted import, and a workspace from a newer version', async () => {
    const key = generateKey();
    const workspace = await workspaceWith(key, 1);
    await expect(rekeyWorkspace(workspace, { from: key, to: key })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: /both keys are/,
    });
    await writeFile(workspace.layout.pendingImport, '{}');
    await expect(rekeyWorkspace(workspace, { from: key, to: generateKey() })).rejects.toThrow(
      /interrupted import is waiting to be resumed/,
    );
    expect(workspace.list()[0]!.keyFingerprint).toBe(key.fingerprint);

    const newer = await temporaryFolder();
    await writeFile(
      join(newer, 'workspace.json'),
      JSON.stringify({ format: 'cipherlens-workspace', version: 4, createdAt: 'x' }),
    );
    await expect(Workspace.open(newer)).rejects.toThrow(/written by a newer CipherLens/);
  });

  it.each([
    { scenario: 'two images under their usual names', rotatedBefore: false, steps: 1 + 1 + 2 * 3 + 1 },
    { scenario: 'one image renamed by an earlier rotation', rotatedBefore: true, steps: 1 + 2 * 3 + 1 },
  ])(
    'a crash right after any file-system step loses nothing ($scenario; self-inflicted SIGKILL per step)',
    async ({ rotatedBefore, steps }) => {
      const [oldKey, newKey, earlierKey] = [generateKey(), generateKey(), generateKey()];
      let finished = false;
      let crashes = 0;
      for (let step = 1; !finished; step++) {
        expect(step, 'the rotation should finish within 20 steps').toBeLessThan(20);
        const workspace = await workspaceWith(rotatedBefore ? earlierKey : oldKey, 1);
        if (rotatedBefore) await rekeyWorkspace(workspace, { from: earlierKey, to: oldKey });
        await addImages(workspace, oldKey, 1, 50);
        expect(workspace.list().filter((item) => item.container !== undefined)).toHaveLength(
          rotatedBefore ? 1 : 0,
        );
        const before = await plainPixels(workspace, [oldKey]);
        const run = await runFixture(workspace.path, oldKey, newKey, {
          CIPHERLENS_CRASH_AFTER_STEP: String(step),
        });
        finished = run.output.includes('finished');
        if (!finished) {
          expect(run.signal).toBe('SIGKILL');
          crashes++;
        }
        const afterCrash = await Workspace.open(workspace.path);
        expect(afterCrash.problems, `crash after step ${step}`).toEqual([]);
        expect(await plainPixels(afterCrash, [oldKey, newKey]), `crash after step ${step}`).toEqual(before);
        await expectOnlyNamedFiles(afterCrash);
        await rekeyWorkspace(afterCrash, { from: oldKey, to: newKey });
        const final = await Workspace.open(workspace.path);
        expect(final.list().every((item) => item.keyFingerprint === newKey.fingerprint)).toBe(true);
        expect(await plainPixels(final, [newKey])).toEqual(before);
        await expectOnlyNamedFiles(final);
        expect(await readPendingRekey(final)).toBeNull();
      }
      // (marker upgrade,) journal, 3 steps per image (new file, record switch, old file removed), journal removal
      expect(crashes).toBe(steps);
    },
  );

  it('survives a process killed mid-rotation (SIGKILL): every image opens with its record’s key, then resumes', async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const workspace = await workspaceWith(oldKey, 40);
    const before = await plainPixels(workspace, [oldKey]);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'crash-rekey.fixture.ts'),
        workspace.path,
        Buffer.from(oldKey.bytes).toString('hex'),
        Buffer.from(newKey.bytes).toString('hex'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let killedAfter = -1;
    let output = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const lines = output.trim().split('\n');
        const last = Number(lines[lines.length - 1]);
        if (killedAfter < 0 && last >= 8) {
          killedAfter = last;
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
    });
    expect(killedAfter).toBeGreaterThanOrEqual(8);
    expect(output).not.toMatch(/finished/);

    const afterCrash = await Workspace.open(workspace.path);
    expect(afterCrash.problems).toEqual([]);
    expect(afterCrash.size).toBe(40);
    const onNew = afterCrash.list().filter((item) => item.keyFingerprint === newKey.fingerprint).length;
    expect(onNew).toBeGreaterThanOrEqual(8);
    expect(onNew).toBeLessThan(40);
    expect(await plainPixels(afterCrash, [oldKey, newKey])).toEqual(before);
    await expectOnlyNamedFiles(afterCrash);
    expect(await readPendingRekey(afterCrash)).toMatchObject({ to: newKey.fingerprint });

    const resumed = await rekeyWorkspace(afterCrash, { from: oldKey, to: newKey });
    expect(resumed).toMatchObject({ total: 40, alreadyNew: onNew, rekeyed: 40 - onNew, failed: [] });
    const final = await Workspace.open(workspace.path);
    expect(final.list().every((item) => item.keyFingerprint === newKey.fingerprint)).toBe(true);
    expect(await plainPixels(final, [newKey])).toEqual(before);
    await expectOnlyNamedFiles(final);
  });
});
