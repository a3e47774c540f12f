import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CipherLensApiError } from '../../../src/shared/api.js';
import { writeFileAtomic } from '../../../src/core/fs/atomic.js';
import { fromFsError, fsErrorOf } from '../../../src/core/fs/errors.js';
import { statusForCode } from '../../../src/server/http-status.js';
import { encodeGreyPng } from '../../../src/core/image/decode.js';
import { startTestService } from '../../backend/harness.js';
import { runCli } from '../../cli/run-cli.js';

const DEMO_KEY = join(import.meta.dirname, '..', '..', '..', 'resources', 'keys', 'demo.key');

/** A real ENOSPC from the kernel: /dev/full refuses every write with it. */
async function realEnospc(path: string): Promise<NodeJS.ErrnoException> {
  try {
    await writeFile('/dev/full', 'x');
  } catch (error) {
    // The error as a write below `path` would carry it.
    return Object.assign(error as NodeJS.ErrnoException, { path });
  }
  throw new Error('/dev/full accepted a write');
}

const errno = (code: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failed, open '${path}'`), { code, path, syscall: 'open' });

describe('file-system errors are said as such, in one place', () => {
  it.skipIf(process.platform !== 'linux')(
    'ENOSPC: "the disk holding … is full: N MB free; free space and resume"',
    async () => {
      const mapped = await fromFsError(await realEnospc(join(tmpdir(), 'ws', 'items', 'a.clens')));
      expect(mapped).toMatchObject({
        code: 'DISK_FULL',
        message: expect.stringMatching(
          /^the disk holding .*ws\/items is full: \d+ MB free; free space and resume/,
        ),
      });
    },
  );

  it('EDQUOT, EROFS, EACCES, EMFILE, ENAMETOOLONG get their own codes; other errors pass through', () => {
    expect(fsErrorOf(errno('EDQUOT', '/w/x'))).toMatchObject({ code: 'DISK_FULL' });
    expect(fsErrorOf(errno('EROFS', '/w/x'))).toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringMatching(/read-only/),
    });
    expect(fsErrorOf(errno('EACCES', '/w/x'))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(fsErrorOf(errno('EPERM', '/w/x'))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(fsErrorOf(errno('EMFILE', '/w/x'))).toMatchObject({ code: 'TOO_MANY_FILES' });
    expect(fsErrorOf(errno('ENAMETOOLONG', '/w/x'))).toMatchObject({ code: 'BAD_INPUT' });
    expect(fsErrorOf(new Error('plain'))).toBeNull();
    expect(statusForCode('DISK_FULL')).toBe(507);
    expect(statusForCode('TOO_LARGE')).toBe(413);
  });

  it('the back end answers DISK_FULL (HTTP 507), not INTERNAL "unexpected error: ENOSPC"', async () => {
    const service = await startTestService();
    try {
      const items = service.context.workspace.layout.items;
      const failure = await realEnospc(join(items, 'x.json'));
      vi.spyOn(service.context.workspace, 'remove').mockRejectedValue(failure);
      const call = service.call('libraryRemove', { ids: ['abc'] });
      await expect(call).rejects.toBeInstanceOf(CipherLensApiError);
      await expect(call).rejects.toMatchObject({
        code: 'DISK_FULL',
        message: expect.stringMatching(/the disk holding .*items is full: \d+ MB free/),
      });
    } finally {
      vi.restoreAllMocks();
      await service.close();
    }
  });
});

// A real full disk: a 64 KiB tmpfs, when this process may mount one (root in a container); skipped otherwise.
let tiny: string | null = null;
let readOnly: string | null = null;
async function mountTmpfs(options: string): Promise<string | null> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = await mkdtemp(join(tmpdir(), 'cipherlens-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
}
beforeAll(async () => {
  tiny = await mountTmpfs('size=64k');
  readOnly = await mountTmpfs('size=64k,ro');
});
afterAll(async () => {
  for (const dir of [tiny, readOnly]) {
    if (!dir) continue;
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a real full disk (tiny tmpfs)', () => {
  it('writeFileAtomic: DISK_FULL with the free space, and no temporary left behind', async (context) => {
    if (!tiny) return context.skip();
    const target = join(tiny, 'big.bin');
    await expect(writeFileAtomic(target, Buffer.alloc(1024 * 1024))).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: expect.stringMatching(/is full: \d+ MB free; free space and resume/),
    });
    expect(await readdir(tiny)).toEqual([]);
  });

  it('a read-only file system: READ_ONLY, not INTERNAL', async (context) => {
    if (!readOnly) return context.skip();
    await expect(writeFileAtomic(join(readOnly, 'x.json'), '{}')).rejects.toMatchObject({
      code: 'READ_ONLY',
      message: expect.stringMatching(/mounted read-only; choose a writable folder/),
    });
  });

  it('CLI encrypt onto a full disk: error [DISK_FULL], not a bare ENOSPC', async (context) => {
    if (!tiny) return context.skip();
    const input = join(tmpdir(), `cipherlens-big-${process.pid}.png`);
    const pixels = new Uint8Array(512 * 512);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    await writeFile(input, await encodeGreyPng({ pixels, width: 512, height: 512 }));
    await mkdir(join(tiny, 'out'), { recursive: true });
    try {
      const result = await runCli(
        'encrypt',
        input,
        '--key',
        DEMO_KEY,
        '--condition',
        'xor',
        '--out',
        join(tiny, 'out'),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error \[DISK_FULL\]: the disk holding .* is full/);
    } finally {
      await rm(input, { force: true });
    }
  });
});
