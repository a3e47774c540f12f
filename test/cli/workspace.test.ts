import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptContainer, encryptToContainer } from '../../src/core/crypto/container.js';
import { generateKey, saveKeyFile, type CipherKey } from '../../src/core/crypto/keys.js';
import { bytesImportInput } from '../../src/core/workspace/import-inputs.js';
import { importImages } from '../../src/core/workspace/importer.js';
import { containerFileOf, Workspace } from '../../src/core/workspace/workspace.js';
import { gradientPng, temporaryFolder } from '../core/workspace/helpers.js';
import { runCli as cli } from './run-cli.js';

interface Keys {
  folder: string;
  old: CipherKey;
  new: CipherKey;
  third: CipherKey;
  oldPath: string;
  newPath: string;
}

async function keys(): Promise<Keys> {
  const folder = await temporaryFolder('cl-cli-keys-');
  const result = { folder, old: generateKey(), new: generateKey(), third: generateKey() };
  const oldPath = join(folder, 'old.key');
  const newPath = join(folder, 'new.key');
  await saveKeyFile(oldPath, result.old);
  await saveKeyFile(newPath, result.new, { passphrase: 'correct horse battery' });
  return { ...result, oldPath, newPath };
}

async function workspaceWith(entries: [CipherKey, number][]): Promise<Workspace> {
  const workspace = await Workspace.open(await temporaryFolder(), { create: true });
  let seed = 0;
  for (const [key, count] of entries) {
    const inputs = [];
    for (let n = 0; n < count; n++, seed++) {
      inputs.push(
        bytesImportInput(`scan-${seed}.png`, await gradientPng(seed), null, { size: 16, fit: 'resize' }),
      );
    }
    await importImages(workspace, inputs, { key, condition: 'arnold+xor', conversionTag: 't' });
  }
  return workspace;
}

async function pixels(workspace: Workspace, all: readonly CipherKey[]): Promise<Map<string, Buffer>> {
  const opened = await Workspace.open(workspace.path);
  const out = new Map<string, Buffer>();
  for (const item of opened.list()) {
    const key = all.find((k) => k.fingerprint === item.keyFingerprint)!;
    out.set(item.id, Buffer.from(decryptContainer(key, await opened.readContainer(item.id)).pixels));
  }
  return out;
}

describe('cipherlens workspace rekey', () => {
  it('re-encrypts the workspace, prints a JSON summary, and a second run finds everything done', async () => {
    const k = await keys();
    const workspace = await workspaceWith([
      [k.old, 5],
      [k.third, 2],
    ]);
    const before = await pixels(workspace, [k.old, k.third]);
    process.env.CL_TEST_NEW_PASSPHRASE = 'correct horse battery';
    const args = [
      'workspace',
      'rekey',
      '--from',
      k.oldPath,
      '--to',
      k.newPath,
      '--to-passphrase-env',
      'CL_TEST_NEW_PASSPHRASE',
      '--workspace',
      workspace.path,
    ];
    const first = await cli(...args, '--json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      workspace: workspace.path,
      from: k.old.fingerprint,
      to: k.new.fingerprint,
      total: 7,
      rekeyed: 5,
      alreadyNew: 0,
      otherKey: [{ fingerprint: k.third.fingerprint, count: 2 }],
      failed: [],
      indexesRemoved: [],
    });
    expect(await pixels(workspace, [k.new, k.third])).toEqual(before);

    const second = await cli(...args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/re-encrypted 0 images from key/);
    expect(second.stdout).toMatch(/already on the new key: +5/);
    expect(second.stdout).toMatch(
      new RegExp(`under other keys \\(kept\\): +2 \\(${k.third.fingerprint}: 2\\)`),
    );

    const info = await cli('workspace', 'info', '--workspace', workspace.path, '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({
      images: 7,
      formatVersion: 2,
      keys: [
        { fingerprint: k.new.fingerprint, count: 5 },
        { fingerprint: k.third.fingerprint, count: 2 },
      ],
      interruptedRekey: null,
    });
    delete process.env.CL_TEST_NEW_PASSPHRASE;
  });

  it('reports images the old key cannot open, keeps going, and exits 1', async () => {
    const k = await keys();
    const workspace = await workspaceWith([[k.old, 3]]);
    const victim = workspace.list()[1]!;
    await writeFile(
      workspace.layout.itemFile(containerFileOf(victim)),
      encryptToContainer(k.third, 'arnold+xor', 16, new Uint8Array(256)),
    );
    const passphraseFile = join(k.folder, 'pass.txt');
    await writeFile(passphraseFile, 'correct horse battery\n');
    const result = await cli(
      'workspace',
      'rekey',
      '--from',
      k.oldPath,
      '--to',
      k.newPath,
      '--to-passphrase-file',
      passphraseFile,
      '--workspace',
      workspace.path,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/re-encrypted 2 images/);
    expect(result.stdout).toMatch(/failed \(kept on the old key\): 1/);
    expect(result.stderr).toContain(
      `${victim.name} (${victim.id}): error [WRONG_KEY]: image ${victim.name} (${victim.id}): its record says key ${k.old.fingerprint}, but its encrypted file is under key ${k.third.fingerprint}`,
    );
    expect(result.stderr).toMatch(/1 image could not be re-encrypted/);
    const reopened = await Workspace.open(workspace.path);
    expect(reopened.require(victim.id).keyFingerprint).toBe(k.old.fingerprint);
  });

  it('continues a run that was killed (SIGKILL) part-way', async () => {
    const k = await keys();
    const workspace = await workspaceWith([[k.old, 4]]);
    const before = await pixels(workspace, [k.old]);
    // The core fixture kills itself right after file-system step 7 (marker, journal, then 3 per image): the
    // second image's record switch, before its old container is removed.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '..', 'core', 'workspace', 'crash-rekey.fixture.ts'),
        workspace.path,
        Buffer.from(k.old.bytes).toString('hex'),
        Buffer.from(k.new.bytes).toString('hex'),
      ],
      { stdio: 'ignore', env: { ...process.env, CIPHERLENS_CRASH_AFTER_STEP: '7' } },
    );
    const signal = await new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    expect(signal).toBe('SIGKILL');
    const interrupted = await cli('workspace', 'info', '--workspace', workspace.path);
    expect(interrupted.stdout).toMatch(/an interrupted re-encryption from key/);

    process.env.CL_TEST_NEW_PASSPHRASE = 'correct horse battery';
    const resumed = await cli(
      'workspace',
      'rekey',
      '--from',
      k.oldPath,
      '--to',
      k.newPath,
      '--to-passphrase-env',
      'CL_TEST_NEW_PASSPHRASE',
      '--workspace',
      workspace.path,
      '--json',
    );
    delete process.env.CL_TEST_NEW_PASSPHRASE;
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ total: 4, alreadyNew: 2, rekeyed: 2, failed: [] });
    expect(await pixels(workspace, [k.new])).toEqual(before);
  });

  it('explains missing keys and passphrases, and has --help', async () => {
    const k = await keys();
    const workspace = await workspaceWith([[k.old, 1]]);
    const noFrom = await cli('workspace', 'rekey', '--to', k.newPath, '--workspace', workspace.path);
    expect(noFrom.code).toBe(1);
    expect(noFrom.stderr).toMatch(/error \[BAD_INPUT\]: --from OLD\.key is required/);
    const noPassphrase = await cli(
      'workspace',
      'rekey',
      '--from',
      k.oldPath,
      '--to',
      k.newPath,
      '--workspace',
      workspace.path,
    );
    expect(noPassphrase.code).toBe(1);
    expect(noPassphrase.stderr).toMatch(/BAD_PASSPHRASE.*--to-passphrase-env VAR or --to-passphrase-file F/);
    const same = await cli(
      'workspace',
      'rekey',
      '--from',
      k.oldPath,
      '--to',
      k.oldPath,
      '--workspace',
      workspace.path,
    );
    expect(same.stderr).toMatch(/both keys are/);
    const notWorkspace = await cli('workspace', 'info', '--workspace', k.folder);
    expect(notWorkspace.stderr).toMatch(/not a CipherLens workspace/);
    expect((await cli('workspace', 'shred')).stderr).toMatch(/unknown workspace action "shred"/);
    const help = await cli('workspace', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: cipherlens workspace rekey --from OLD\.key --to NEW\.key/);
    expect((await cli('--help')).stdout).toMatch(/workspace +re-encrypt a workspace to a new key/);
  });
});
