import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeyFile } from '../../src/core/crypto/keys.js';
import { decodeGreyImage } from '../../src/core/image/decode.js';
import { runCli as cli } from './run-cli.js';

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cipherlens-cli-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const noiseJpeg = (width: number, height: number): Promise<Buffer> =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();

describe('cipherlens keygen', () => {
  it('writes a key, prints only its fingerprint, and refuses to overwrite', async () => {
    const path = join(folder, 'mine.key');
    const first = await cli('keygen', '--out', path, '--label', 'lab');
    expect(first.code).toBe(0);
    const key = await loadKeyFile(path);
    expect(first.stdout).toContain(key.fingerprint);
    expect(first.stdout).not.toContain(Buffer.from(key.bytes).toString('base64'));
    const again = await cli('keygen', '--out', path);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; use --force/);
    expect((await loadKeyFile(path)).fingerprint).toBe(key.fingerprint);
  });

  it('protects a key with a passphrase from a file', async () => {
    const passphraseFile = join(folder, 'pass.txt');
    await writeFile(passphraseFile, 'open sesame\n');
    const path = join(folder, 'locked.key');
    const result = await cli('keygen', '--out', path, '--passphrase-file', passphraseFile, '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { fingerprint: string; protected: boolean };
    expect(summary.protected).toBe(true);
    expect((await loadKeyFile(path, 'open sesame')).fingerprint).toBe(summary.fingerprint);
  });
});

describe('cipherlens encrypt / decrypt', () => {
  it('round-trips a real JPEG: decrypted pixels equal the decoded greyscale input', async () => {
    const keyPath = join(folder, 'rt.key');
    expect((await cli('keygen', '--out', keyPath)).code).toBe(0);
    const jpeg = join(folder, 'photo.jpg');
    await writeFile(jpeg, await noiseJpeg(48, 40));
    const encrypted = join(folder, 'photo.clens');

    const enc = await cli(
      'encrypt',
      jpeg,
      '--key',
      keyPath,
      '--condition',
      'arnold+xor',
      '--size',
      '32',
      '--fit',
      'pad',
      '--out',
      encrypted,
      '--png',
      '--json',
    );
    expect(enc.code, enc.stderr).toBe(0);
    const report = JSON.parse(enc.stdout) as { encrypted: { size: number; png: string }[] };
    expect(report.encrypted[0]?.size).toBe(32);
    expect(existsSync(join(folder, 'photo.cipher.png'))).toBe(true);

    const dec = await cli('decrypt', encrypted, '--key', keyPath, '--out', join(folder, 'plain'));
    expect(dec.code, dec.stderr).toBe(0);
    const decrypted = await decodeGreyImage(join(folder, 'plain', 'photo.png'));
    const expected = await decodeGreyImage(jpeg, { size: 32, fit: 'pad' });
    expect(Buffer.from(decrypted.pixels).equals(Buffer.from(expected.pixels))).toBe(true);
    const cipherView = await decodeGreyImage(join(folder, 'photo.cipher.png'));
    expect(Buffer.from(cipherView.pixels).equals(Buffer.from(expected.pixels))).toBe(false);
  });

  it('encrypts a folder, keeps going past a bad file, and exits non-zero', async () => {
    const keyPath = join(folder, 'batch.key');
    await cli('keygen', '--out', keyPath);
    const input = join(folder, 'batch-in');
    await rm(input, { recursive: true, force: true });
    await mkdir(input, { recursive: true });
    for (const name of ['a', 'b', 'c'])
      await sharp(await noiseJpeg(28, 28)).toFile(join(input, `${name}.png`));
    await writeFile(join(input, 'broken.png'), 'not a png');
    const out = join(folder, 'batch-out');
    const result = await cli('encrypt', input, '--key', keyPath, '--condition', 'arnold', '--out', out);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.png: error \[IMAGE_DECODE\]/);
    expect(result.stderr).toMatch(/1 of 4 failed/);
    for (const name of ['a', 'b', 'c']) expect(existsSync(join(out, `${name}.clens`))).toBe(true);
    const back = await cli('decrypt', out, '--key', keyPath, '--out', join(folder, 'batch-back'), '--json');
    expect(back.code).toBe(0);
    expect((JSON.parse(back.stdout) as { decrypted: unknown[] }).decrypted).toHaveLength(3);
  });

  it('refuses a tampered file and a wrong key, writing nothing', async () => {
    const keyPath = join(folder, 't.key');
    const otherKey = join(folder, 'other.key');
    await cli('keygen', '--out', keyPath);
    await cli('keygen', '--out', otherKey);
    const png = join(folder, 't.png');
    await sharp(await noiseJpeg(16, 16)).toFile(png);
    const clens = join(folder, 't.clens');
    expect((await cli('encrypt', png, '--key', keyPath, '--condition', 'xor', '--out', clens)).code).toBe(0);

    const wrong = await cli('decrypt', clens, '--key', otherKey, '--out', join(folder, 'wrong'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /error \[WRONG_KEY\]: wrong key \(.*encrypted with key fingerprint [0-9a-f]{16}, active key is/,
    );
    expect(existsSync(join(folder, 'wrong', 't.png'))).toBe(false);

    const bytes = await readFile(clens);
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 1;
    await writeFile(clens, bytes);
    const tampered = await cli('decrypt', clens, '--key', keyPath, '--out', join(folder, 'tampered'));
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/integrity check failed/);
    expect(existsSync(join(folder, 'tampered', 't.png'))).toBe(false);
  });

  it('gives clear errors for bad options and inputs', async () => {
    const keyPath = join(folder, 'opts.key');
    await cli('keygen', '--out', keyPath);
    const wide = join(folder, 'wide.png');
    await sharp(await noiseJpeg(30, 20)).toFile(wide);
    const run = (...extra: string[]) =>
      cli('encrypt', wide, '--key', keyPath, '--out', join(folder, 'o'), ...extra);
    expect((await run('--condition', 'arnold')).stderr).toMatch(/NOT_SQUARE.*wide\.png is 30×20/);
    expect((await run('--condition', 'rot13')).stderr).toMatch(/unknown encryption condition "rot13"/);
    expect((await run('--condition', 'xor', '--size', '1')).stderr).toMatch(
      /--size must be an integer from 2/,
    );
    expect((await run('--condition', 'xor', '--fit', 'crop')).stderr).toMatch(/--fit must be resize or pad/);
    expect((await run('--condition', 'xor', '--bogus')).code).toBe(1);
    const missing = await cli(
      'encrypt',
      join(folder, 'nope.png'),
      '--key',
      keyPath,
      '--condition',
      'xor',
      '--out',
      folder,
    );
    expect(missing.stderr).toMatch(/NOT_FOUND/);
    const noKey = await cli('decrypt', wide, '--key', join(folder, 'missing.key'), '--out', folder);
    expect(noKey.code).toBe(1);
    const notContainer = await cli('decrypt', wide, '--key', keyPath, '--out', join(folder, 'x'));
    expect(notContainer.stderr).toMatch(/not a CipherLens encrypted image/);
  });
});
