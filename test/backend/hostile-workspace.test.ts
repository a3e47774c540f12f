import { execFileSync } from 'node:child_process';
import { readdir, rm, symlink, truncate, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { Workspace } from '../../src/core/workspace/workspace.js';
import { base64, brightnessPng, startTestService } from './harness.js';
import { temporaryFolder } from '../core/workspace/helpers.js';

const posix = process.platform !== 'win32';
let service: AppService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

async function serviceWithItems(count: number): Promise<{ service: AppService; items: string }> {
  const started = await startTestService();
  service = started;
  const files = [];
  for (let i = 0; i < count; i++) {
    files.push({
      name: `img-${i}.png`,
      dataBase64: base64(await brightnessPng(i % 2 ? 200 : 40, i)),
      label: 'x',
    });
  }
  await started.call('importUpload', { files });
  return { service: started, items: started.context.workspace.layout.items };
}

const containersIn = async (items: string): Promise<string[]> =>
  (await readdir(items)).filter((name) => name.endsWith('.clens')).sort();

function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)),
  ]);
}

describe('one bad item does not break the library', () => {
  it('a truncated container is listed as damaged with its reason; the others are shown', async () => {
    const { service, items } = await serviceWithItems(3);
    const [bad] = await containersIn(items);
    const path = join(items, bad!);
    await truncate(path, (await stat(path)).size - 10);
    const page = (await service.call('libraryList', { limit: 10 })) as {
      total: number;
      items: {
        id: string;
        damage: string | null;
        canDecrypt: boolean;
        thumbnails: { plain: string | null };
      }[];
    };
    expect(page.total).toBe(3);
    const damaged = page.items.filter((item) => item.damage !== null);
    expect(damaged).toHaveLength(1);
    expect(damaged[0]!.damage).toMatch(/truncated/);
    expect(damaged[0]!.canDecrypt).toBe(false);
    expect(damaged[0]!.id).toBe(bad!.replace('.clens', ''));
    for (const item of page.items.filter((entry) => entry.damage === null)) {
      expect(item.canDecrypt).toBe(true);
      expect(item.thumbnails.plain).toMatch(/^data:image\/png/);
    }
    // …and the remove action works on it.
    expect(await service.call('libraryRemove', { ids: [damaged[0]!.id] })).toEqual({ removed: 1 });
    expect(((await service.call('libraryList', { limit: 10 })) as { total: number }).total).toBe(2);
  });

  it('a modified container (MAC fails) is damaged too', async () => {
    const { service, items } = await serviceWithItems(2);
    const [bad] = await containersIn(items);
    const bytes = await readFile(join(items, bad!));
    bytes[bytes.length - 40]! ^= 0xff;
    await writeFile(join(items, bad!), bytes);
    const page = (await service.call('libraryList', { limit: 10 })) as { items: { damage: string | null }[] };
    expect(page.items.map((item) => item.damage !== null).sort()).toEqual([false, true]);
    expect(page.items.find((item) => item.damage)!.damage).toMatch(/integrity/);
  });

  it.skipIf(!posix)('a container that is /dev/zero or a FIFO is damaged, answered at once', async () => {
    const { service, items } = await serviceWithItems(3);
    const [zero, pipe] = await containersIn(items);
    await rm(join(items, zero!));
    await symlink('/dev/zero', join(items, zero!));
    await rm(join(items, pipe!));
    execFileSync('mkfifo', [join(items, pipe!)]);
    const page = (await within(service.call('libraryList', { limit: 10 }))) as {
      items: { damage: string | null }[];
    };
    expect(page.items.filter((item) => item.damage !== null)).toHaveLength(2);
    expect(page.items.filter((item) => item.damage === null)).toHaveLength(1);
  });
});

describe.skipIf(!posix)('workspace files that are not regular files', () => {
  it('records that are FIFOs are reported as problems and never block opening (not even four of them)', async () => {
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      execFileSync('mkfifo', [join(workspace.layout.items, `${id}.json`)]);
    const reopened = await within(Workspace.open(root));
    expect(reopened.problems).toHaveLength(5);
    expect(reopened.problems[0]!.reason).toMatch(/not a regular file \(it is a FIFO/);
    // The libuv pool is not exhausted: ordinary file work still completes.
    await within(readdir(root));
  });

  it('workspaceChoose on a workspace whose records are FIFOs answers at once, twice in a row', async () => {
    const started = await startTestService();
    service = started;
    const root = await temporaryFolder();
    const workspace = await Workspace.open(root, { create: true });
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      execFileSync('mkfifo', [join(workspace.layout.items, `${id}.json`)]);
    for (let attempt = 0; attempt < 2; attempt++) {
      const info = (await within(started.call('workspaceChoose', { path: root, create: false }))) as {
        itemCount: number;
      };
      expect(info.itemCount).toBe(0);
    }
    expect(started.context.workspace.problems).toHaveLength(5);
  });

  it('a workspace marker that is a FIFO is refused with a clear code', async () => {
    const root = await temporaryFolder();
    execFileSync('mkfifo', [join(root, 'workspace.json')]);
    await expect(within(Workspace.open(root))).rejects.toMatchObject({ code: 'BAD_FORMAT' });
  });
});

describe.skipIf(!posix)('a data folder whose MNIST file is a FIFO or /dev/zero', () => {
  it('the import job fails at once with BAD_INPUT, and later imports are not blocked', async () => {
    const started = await startTestService();
    service = started;
    const { encodeIdx } = await import('../../src/core/datasets/idx.js');
    const { gzipSync } = await import('node:zlib');
    const { mkdir } = await import('node:fs/promises');
    for (const [name, kind] of [
      ['fifo', 'fifo'],
      ['zero', 'zero'],
    ] as const) {
      const dataDir = await temporaryFolder(`cipherlens-data-${name}-`);
      await mkdir(join(dataDir, 'mnist'));
      const labels = gzipSync(
        encodeIdx(
          [10],
          Uint8Array.from({ length: 10 }, (_, i) => i),
        ),
      );
      const images = gzipSync(encodeIdx([10, 28, 28], new Uint8Array(7840)));
      await writeFile(join(dataDir, 'mnist', 't10k-labels-idx1-ubyte.gz'), labels);
      for (const part of ['train', 't10k']) {
        await writeFile(join(dataDir, 'mnist', `${part}-images-idx3-ubyte.gz`), images);
      }
      // The labels are read first (the class counts are checked before any image is decoded).
      const hostile = join(dataDir, 'mnist', 'train-labels-idx1-ubyte.gz');
      if (kind === 'fifo') execFileSync('mkfifo', [hostile]);
      else await symlink('/dev/zero', hostile);
      // Five in a row: with the old code each FIFO held one of libuv's four pool threads forever.
      for (let attempt = 0; attempt < 5; attempt++) {
        const { jobId } = (await started.call('importDataset', {
          dataset: 'mnist',
          perClass: 1,
          dataDir,
        })) as { jobId: string };
        const state = await within(started.context.jobs.wait(jobId));
        expect(state.status).toBe('failed');
        expect(state.error).toMatchObject({
          code: 'BAD_INPUT',
          message: expect.stringMatching(/not a regular file/),
        });
      }
    }
    await within(started.call('workspaceInfo', {}));
  });
});
