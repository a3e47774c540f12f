import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cipherlens-pipe-'));
  const pixels = Buffer.alloc(64 * 64);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  await writeFile(
    join(work, 'image.png'),
    await sharp(pixels, { raw: { width: 64, height: 64, channels: 1 } })
      .png()
      .toBuffer(),
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

// Writes to a pipe are asynchronous on POSIX: exiting right after the last write used to cut --json output at the
// pipe's buffer size whenever the reader was slower than the CLI, while still exiting 0.
it.skipIf(process.platform === 'win32')(
  'writes a complete --json document larger than a pipe buffer to a slow reader',
  async () => {
    const cli = [
      JSON.stringify(process.execPath),
      '--import tsx src/cli/main.ts analyze',
      JSON.stringify(join(work, 'image.png')),
      '--key resources/keys/demo.key --condition xor --json',
    ].join(' ');
    const { stdout } = await promisify(execFile)('sh', ['-c', `${cli} | (sleep 2; cat)`], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(() => JSON.parse(stdout)).not.toThrow();
  },
);
