import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import download from '../../src/cli/commands/download.js';
import { makeTempDir } from '../core/datasets/fixtures.js';

// The real MNIST files of this project's CI layout, served by a local mirror: proves the canonical
// checksums and the whole command end to end without internet. Skipped where the data is absent.
const mnistDir = resolve('..', 'shared', 'data', 'mnist');
const haveMnist = existsSync(join(mnistDir, 't10k-labels-idx1-ubyte.gz'));

let server: Server;
let mirror: string;
const served: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const name = (request.url ?? '').split('/').pop() ?? '';
    served.push(name);
    readFile(join(mnistDir, name)).then(
      (body) => response.writeHead(200, { 'content-length': body.length }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

describe('cipherlens download', () => {
  it.skipIf(!haveMnist)(
    'downloads MNIST from a mirror, verifies it, and skips it the second time',
    async () => {
      const temp = await makeTempDir();
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await download.run(['--dataset', 'mnist', '--data-dir', temp.dir, '--mirror', mirror])).toBe(
          0,
        );
        expect((await readdir(join(temp.dir, 'mnist'))).sort()).toEqual([
          't10k-images-idx3-ubyte.gz',
          't10k-labels-idx1-ubyte.gz',
          'train-images-idx3-ubyte.gz',
          'train-labels-idx1-ubyte.gz',
        ]);
        expect(served).toHaveLength(4);
        expect(await download.run(['--dataset', 'mnist', '--data-dir', temp.dir, '--mirror', mirror])).toBe(
          0,
        );
        expect(served).toHaveLength(4);
        expect(stderr.mock.calls.map((call) => String(call[0])).join('')).toContain(
          'already present, verified',
        );
      } finally {
        stderr.mockRestore();
        await temp.cleanup();
      }
    },
  );

  it('rejects an unknown dataset', async () => {
    await expect(download.run(['--dataset', 'cifar'])).rejects.toThrow(
      /--dataset must be one of mnist, mednist/,
    );
  });
});
