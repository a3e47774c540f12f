import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPgUrl,
  describePgUrl,
  PgVectorStore,
  pgvectorTableOf,
} from '../../../src/core/retrieval/pgvector-store.js';
import { temporaryFolder } from '../workspace/helpers.js';
import { startPgliteServer, type PgliteServer } from './pglite-server.js';

let server: PgliteServer;
beforeAll(async () => {
  server = await startPgliteServer();
});
afterAll(() => server?.stop());

describe('pgvector connection settings', () => {
  it('refuses a password in the URL and anything but postgres://', () => {
    expect(() => checkPgUrl('postgres://me:secret@db/cl')).toThrow(/password/);
    expect(() => checkPgUrl('postgres://me@db/cl?password=secret')).toThrow(/password/);
    expect(() => checkPgUrl('mysql://me@db/cl')).toThrow(/postgres:\/\//);
    expect(() => checkPgUrl('db.example:5432')).toThrow();
    expect(describePgUrl('postgresql://me@db.example:5432/cl?sslmode=require')).toBe(
      'postgresql://me@db.example:5432/cl',
    );
  });

  it('names tables by a digest of model and key, a valid identifier', () => {
    const name = pgvectorTableOf('mednist-dcnn-arnoldplusxor', 'b574d9e46e54e965');
    expect(name).toMatch(/^cl_[0-9a-f]{24}$/);
    expect(pgvectorTableOf('mednist-dcnn-arnoldplusxor', 'another0key00000')).not.toBe(name);
  });

  it('says when the server cannot be reached, and refuses bad table names', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address() as { port: number };
        probe.close(() => resolve(address.port));
      });
    });
    await expect(
      PgVectorStore.open({ url: `postgres://me@127.0.0.1:${port}/db`, table: 'cl_x' }, { dimension: 4 }),
    ).rejects.toMatchObject({ code: 'REMOTE_UNREACHABLE' });
    await expect(
      PgVectorStore.open({ url: server.url, table: 'Robert"); DROP TABLE x; --' }, { dimension: 4 }),
    ).rejects.toThrow(/table name/);
  });

  it('refuses to add a model’s vectors to another model’s table', async () => {
    const store = await PgVectorStore.open(
      { url: server.url, table: 'cl_owned' },
      { dimension: 4, modelId: 'a' },
    );
    await store.close();
    await expect(
      PgVectorStore.open({ url: server.url, table: 'cl_owned' }, { dimension: 4, modelId: 'b' }),
    ).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    await expect(
      PgVectorStore.open({ url: server.url, table: 'cl_owned' }, { dimension: 8, modelId: 'a' }),
    ).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
  });

  it('reads the password from a password file (first line)', async () => {
    const dir = await temporaryFolder('cl-pg-');
    const file = join(dir, 'password');
    await writeFile(file, 'anything\n', { mode: 0o600 });
    // PGlite accepts any password: this checks the file is read and the connection made with it.
    const store = await PgVectorStore.open(
      { url: server.url, table: 'cl_pw', passwordFile: file },
      { dimension: 4 },
    );
    expect(await store.count()).toBe(0);
    await store.close();
    await expect(
      PgVectorStore.open({ url: server.url, table: 'cl_pw', passwordFile: join(dir, 'missing') }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
