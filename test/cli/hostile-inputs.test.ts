import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGreyPng } from '../../src/core/image/decode.js';
import { runCli as cli } from './run-cli.js';

const posix = process.platform !== 'win32';
const DEMO_KEY = join(import.meta.dirname, '..', '..', 'resources', 'keys', 'demo.key');
let folder = '';
let png: Buffer;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cipherlens-cli-hostile-'));
  png = await encodeGreyPng({ pixels: new Uint8Array(64).fill(90), width: 8, height: 8 });
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The old code hung (FIFO) or read without end (/dev/zero): each call must settle well within this. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)),
  ]);
}

describe.skipIf(!posix)('CLI: inputs that are not regular files', () => {
  it('decrypt: a .clens that is a symlink to /dev/zero, or a FIFO, fails at once with BAD_INPUT', async () => {
    const zero = join(folder, 'zero.clens');
    await symlink('/dev/zero', zero);
    const pipe = join(folder, 'pipe.clens');
    execFileSync('mkfifo', [pipe]);
    for (const input of [zero, pipe]) {
      const result = await within(cli('decrypt', input, '--key', DEMO_KEY, '--out', join(folder, 'out')));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /error \[BAD_INPUT\]: encrypted image .* is not a regular file \(it is a (device|FIFO)/,
      );
    }
  });

  it('--passphrase-file on a FIFO or /dev/zero: BAD_INPUT, not a hang or NOT_FOUND', async () => {
    const pipe = join(folder, 'pass-pipe');
    execFileSync('mkfifo', [pipe]);
    for (const file of [pipe, '/dev/zero']) {
      const result = await within(cli('keygen', '--out', join(folder, 'k.key'), '--passphrase-file', file));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error \[BAD_INPUT\]: passphrase file .* is not a regular file/);
    }
  });
});

describe('CLI: file names', () => {
  it('a 250-character input name encrypts and decrypts (the temporary name no longer overflows)', async () => {
    const name = `${'n'.repeat(246)}.png`;
    const input = join(folder, 'long', name);
    await mkdir(join(folder, 'long'), { recursive: true });
    await writeFile(input, png);
    const encrypted = await cli(
      'encrypt',
      input,
      '--key',
      DEMO_KEY,
      '--condition',
      'xor',
      '--out',
      join(folder, 'long-enc'),
    );
    expect(encrypted.stderr).not.toMatch(/error/);
    expect(encrypted.code).toBe(0);
    const [container] = await readdir(join(folder, 'long-enc'));
    expect(container).toBe(`${'n'.repeat(246)}.clens`);
    const decrypted = await cli(
      'decrypt',
      join(folder, 'long-enc', container!),
      '--key',
      DEMO_KEY,
      '--out',
      join(folder, 'long-dec'),
    );
    expect(decrypted.code).toBe(0);
    expect(await readdir(join(folder, 'long-dec'))).toEqual([`${'n'.repeat(246)}.png`]);
  });

  it('an output name the file system cannot hold is a clear BAD_INPUT, not [INTERNAL] ENAMETOOLONG', async () => {
    const name = `${'m'.repeat(251)}.png`; // → 251 + ".clens" = 257 bytes
    await mkdir(join(folder, 'longer'), { recursive: true });
    await writeFile(join(folder, 'longer', name), png);
    const result = await cli(
      'encrypt',
      join(folder, 'longer', name),
      '--key',
      DEMO_KEY,
      '--condition',
      'xor',
      '--out',
      join(folder, 'lo'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[BAD_INPUT\]: the name of .* is too long for the file system/);
    expect(result.stderr).not.toMatch(/INTERNAL|ENAMETOOLONG/);
  });

  it.skipIf(process.platform !== 'linux')(
    'a file name that is not UTF-8 is said to be so, not "does not exist"',
    async () => {
      const dir = join(folder, 'latin1');
      await mkdir(dir);
      // "café.png" written in Latin-1: the byte 0xE9 alone is not UTF-8.
      await writeFile(
        Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.png')]),
        png,
      );
      // Node.js decodes such a name (in argv, or from readdir) with U+FFFD in place of the byte.
      const named = await cli(
        'encrypt',
        join(dir, 'caf\uFFFD.png'),
        '--key',
        DEMO_KEY,
        '--condition',
        'xor',
        '--out',
        join(folder, 'l1'),
      );
      expect(named.code).toBe(1);
      expect(named.stderr).toMatch(/\[BAD_INPUT\]: the name of input .* is not valid UTF-8/);
      const walked = await cli(
        'encrypt',
        dir,
        '--key',
        DEMO_KEY,
        '--condition',
        'xor',
        '--out',
        join(folder, 'l2'),
        '--json',
      );
      expect(walked.code).toBe(1);
      const report = JSON.parse(walked.stdout) as { failures: { code: string; message: string }[] };
      expect(report.failures).toEqual([
        expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/not valid UTF-8/) }),
      ]);
    },
  );
});
