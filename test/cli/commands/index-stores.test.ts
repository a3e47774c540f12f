import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CARD, writeTinyExport } from '../../core/evaluation/tiny-export.js';
import { startPgliteServer, type PgliteServer } from '../../core/retrieval/pglite-server.js';
import { runCli as cli } from '../run-cli.js';

let dir: string;
let server: PgliteServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-cli-stores-'));
  server = await startPgliteServer();
  await writeTinyExport(dir, { train: 60, test: 20 });
  await sharp(Buffer.alloc(1024, 230), { raw: { width: 32, height: 32, channels: 1 } })
    .png()
    .toFile(join(dir, 'bright.png'));
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const labels = (stdout: string): string[] =>
  (JSON.parse(stdout) as { hits: { label: string }[] }).hits.map((hit) => hit.label);

describe('cipherlens index --store', () => {
  it('builds and queries an HNSW index file and says which engine answered', async () => {
    const index = join(dir, 'train-ann.clvs');
    const built = await cli(
      'index',
      'build',
      '--model',
      TINY_CARD,
      '--export-dir',
      dir,
      '--out',
      index,
      '--store',
      'ann',
      '--ef',
      '64',
      '--json',
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ items: 60, store: { kind: 'ann', precision: 'f16' } });
    const query = await cli(
      'index',
      'query',
      join(dir, 'bright.png'),
      '--index',
      index,
      '--store',
      'ann',
      '--model',
      TINY_CARD,
      '--k',
      '3',
      '--json',
    );
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout)).toMatchObject({ store: { kind: 'ann' } });
    expect(labels(query.stdout)).toEqual(['bright', 'bright', 'bright']);
    const info = await cli('index', 'info', '--index', index, '--store', 'exact', '--precision', 'i8');
    expect(info.stdout).toMatch(/items: 60/);
    expect(info.stdout).toMatch(/"kind":"exact","precision":"i8"/);
  });

  it('builds into a pgvector table over the wire protocol and queries it by image and by id', async () => {
    const built = await cli(
      'index',
      'build',
      '--model',
      TINY_CARD,
      '--export-dir',
      dir,
      '--store',
      'pgvector',
      '--url',
      server.url,
      '--pg-search',
      'exact',
      '--json',
    );
    expect(built.code).toBe(0);
    const summary = JSON.parse(built.stdout) as { index: string; items: number };
    expect(summary.items).toBe(60);
    const table = /table (cl_[0-9a-f]{24})$/.exec(summary.index)?.[1];
    expect(table).toBeDefined();
    // Building the split again replaces its rows instead of refusing or doubling them.
    expect(
      (
        await cli(
          'index',
          'build',
          '--model',
          TINY_CARD,
          '--export-dir',
          dir,
          '--store',
          'pgvector',
          '--url',
          server.url,
        )
      ).code,
    ).toBe(0);
    const query = await cli(
      'index',
      'query',
      join(dir, 'bright.png'),
      '--store',
      'pgvector',
      '--url',
      server.url,
      '--table',
      table!,
      '--model',
      TINY_CARD,
      '--k',
      '3',
      '--json',
    );
    expect(query.code).toBe(0);
    expect(labels(query.stdout)).toEqual(['bright', 'bright', 'bright']);
    const byId = await cli(
      'index',
      'query',
      '--id',
      'tiny-brightness/train/0',
      '--store',
      'pgvector',
      '--url',
      server.url,
      '--table',
      table!,
      '--k',
      '2',
    );
    expect(byId.code).toBe(0);
    expect(byId.stdout).toMatch(/top 2 of 60/);
  });

  it('refuses what does not fit together', async () => {
    const withPassword = await cli(
      'index',
      'build',
      '--model',
      TINY_CARD,
      '--export-dir',
      dir,
      '--store',
      'pgvector',
      '--url',
      'postgres://me:pw@127.0.0.1/db',
    );
    expect(withPassword.code).not.toBe(0);
    expect(withPassword.stderr).toMatch(/password/);
    expect((await cli('index', 'info', '--store', 'pgvector', '--url', server.url)).stderr).toMatch(
      /--table NAME is required/,
    );
    expect((await cli('index', 'info', '--index', join(dir, 'x.clvs'), '--url', server.url)).stderr).toMatch(
      /only for --store pgvector/,
    );
    expect((await cli('index', 'info', '--index', join(dir, 'x.clvs'), '--store', 'quantum')).stderr).toMatch(
      /--store must be one of/,
    );
  });
});
