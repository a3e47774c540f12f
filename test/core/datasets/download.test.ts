import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetTargets, downloadFile, type DownloadTarget } from '../../../src/core/datasets/download.js';
import { makeTempDir } from './fixtures.js';

type Handler = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: Server;
let baseUrl: string;
let handler: Handler;
let requests: { url: string; range: string | undefined }[];

beforeEach(async () => {
  temp = await makeTempDir();
  requests = [];
  server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', range: request.headers.range });
    handler(request, response, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await temp.cleanup();
});

const payload = randomBytes(300_000);
const sha256 = createHash('sha256').update(payload).digest('hex');
const md5 = createHash('md5').update(payload).digest('hex');

/** Serves `body` with HTTP Range support, like S3 or GitHub's release storage. */
function serveRanges(body: Buffer, request: IncomingMessage, response: ServerResponse): void {
  const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  if (!range) {
    response.writeHead(200, { 'content-length': body.length }).end(body);
    return;
  }
  const start = Number(range[1]);
  if (start >= body.length) {
    response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  response
    .writeHead(206, {
      'content-length': body.length - start,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
    })
    .end(body.subarray(start));
}

const target = (overrides: Partial<DownloadTarget> = {}): DownloadTarget => ({
  url: `${baseUrl}/files/data.bin`,
  destination: join(temp.dir, 'sub', 'data.bin'),
  bytes: payload.length,
  sha256: [sha256],
  ...overrides,
});

describe('downloadFile', () => {
  it('downloads, verifies and renames into place, reporting progress', async () => {
    handler = (request, response) => serveRanges(payload, request, response);
    const progress: number[] = [];
    const result = await downloadFile(target(), { onProgress: (received) => progress.push(received) });
    expect(result).toMatchObject({
      status: 'downloaded',
      bytes: payload.length,
      sha256,
      md5,
      resumedFrom: 0,
    });
    expect((await readFile(result.path)).equals(payload)).toBe(true);
    expect(await readdir(join(temp.dir, 'sub'))).toEqual(['data.bin']);
    expect(progress.at(-1)).toBe(payload.length);
  });

  it('resumes from an existing .part with an HTTP Range request', async () => {
    handler = (request, response) => serveRanges(payload, request, response);
    const destination = join(temp.dir, 'data.bin');
    await writeFile(`${destination}.part`, payload.subarray(0, 123_456));
    const result = await downloadFile(target({ destination }));
    expect(requests).toEqual([{ url: '/files/data.bin', range: 'bytes=123456-' }]);
    expect(result).toMatchObject({ status: 'downloaded', resumedFrom: 123_456, sha256 });
    expect((await readFile(destination)).equals(payload)).toBe(true);
  });

  it('resumes by itself after the connection drops mid-body', async () => {
    handler = (request, response, hit) => {
      if (hit === 1) {
        response.writeHead(200, { 'content-length': payload.length });
        response.write(payload.subarray(0, 100_000), () => setTimeout(() => response.socket?.destroy(), 20));
        return;
      }
      serveRanges(payload, request, response);
    };
    const result = await downloadFile(target(), { retries: 2 });
    expect(requests).toHaveLength(2);
    expect(requests[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect((await readFile(result.path)).equals(payload)).toBe(true);
  });

  it('starts over when the server ignores the Range header', async () => {
    handler = (_request, response) =>
      response.writeHead(200, { 'content-length': payload.length }).end(payload);
    const destination = join(temp.dir, 'data.bin');
    await writeFile(`${destination}.part`, Buffer.alloc(5000, 1));
    const result = await downloadFile(target({ destination }));
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(destination)).equals(payload)).toBe(true);
  });

  it('accepts a complete .part on 416 when it verifies', async () => {
    handler = (request, response) => serveRanges(payload, request, response);
    const destination = join(temp.dir, 'data.bin');
    await writeFile(`${destination}.part`, payload);
    const result = await downloadFile(target({ destination }));
    expect(result).toMatchObject({ status: 'downloaded', sha256 });
  });

  it('rejects a checksum mismatch, keeping neither the file nor the .part', async () => {
    const other = Buffer.from(payload);
    other[1000] = other[1000]! ^ 1;
    handler = (request, response) => serveRanges(other, request, response);
    await expect(downloadFile(target())).rejects.toMatchObject({
      code: 'INTEGRITY',
      message: expect.stringContaining(`checksum mismatch for ${baseUrl}/files/data.bin`),
    });
    expect(await readdir(join(temp.dir, 'sub'))).toEqual([]);
  });

  it('accepts any one of several known checksums (e.g. an md5 only)', async () => {
    handler = (request, response) => serveRanges(payload, request, response);
    const result = await downloadFile(
      target({ sha256: ['0'.repeat(64)], md5: ['1'.repeat(32), md5], bytes: undefined }),
    );
    expect(result.status).toBe('downloaded');
  });

  it('reports a 404 with the URL, and a wrong size before downloading it', async () => {
    handler = (_request, response) => response.writeHead(404).end('no');
    await expect(downloadFile(target())).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`${baseUrl}/files/data.bin answered 404`),
    });
    handler = (request, response) => serveRanges(payload, request, response);
    await expect(downloadFile(target({ bytes: 42 }))).rejects.toThrow(/is 300000 bytes, expected 42/);
  });

  it('gives up after the retries with a message saying how to resume', async () => {
    handler = (_request, response) => response.writeHead(503).end();
    await expect(downloadFile(target(), { retries: 1 })).rejects.toThrow(
      /failed after 2 attempts: .*503.*run again to resume/,
    );
    expect(requests).toHaveLength(2);
  });

  it('leaves a verified existing file alone and refuses an unknown one', async () => {
    handler = () => {
      throw new Error('no request expected');
    };
    const destination = join(temp.dir, 'data.bin');
    await writeFile(destination, payload);
    expect(await downloadFile(target({ destination }))).toMatchObject({ status: 'present', sha256 });
    await writeFile(destination, Buffer.from('something else'));
    await expect(downloadFile(target({ destination }))).rejects.toMatchObject({ code: 'INTEGRITY' });
    expect(requests).toHaveLength(0);
  });
});

describe('datasetTargets', () => {
  it('maps the canonical sources into the data dir, or onto a mirror', () => {
    const mnist = datasetTargets('mnist', '/d');
    expect(mnist.map((t) => t.url)).toEqual([
      'https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz',
      'https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz',
      'https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz',
      'https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz',
    ]);
    expect(mnist[0]!.destination).toBe(join('/d', 'mnist', 'train-images-idx3-ubyte.gz'));
    const [mednist] = datasetTargets('mednist', '/d', 'http://mirror.local/x/');
    expect(mednist).toMatchObject({
      url: 'http://mirror.local/x/MedNIST.tar.gz',
      destination: join('/d', 'MedNIST.tar.gz'),
      md5: ['0bc7306e7427e00ad1c5526a6677552d', 'd29ebc449cf2f77d9d69362f91f19962'],
    });
  });
});
