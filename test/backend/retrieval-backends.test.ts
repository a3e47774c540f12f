import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { JOB_RESULT_SCHEMAS } from '../../src/shared/operations.js';
import { startPgliteServer, type PgliteServer } from '../core/retrieval/pglite-server.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { serviceCalls, startTestService, writeBrightnessFolders } from './harness.js';

let service: AppService;
let server: PgliteServer;
const { call, rejection } = serviceCalls(() => service);

beforeAll(async () => {
  server = await startPgliteServer();
  service = await startTestService();
  const folder = await temporaryFolder();
  await writeBrightnessFolders(folder, 4);
  const state = await service.context.jobs.wait((await call('importPaths', { paths: [folder] })).jobId);
  expect(JOB_RESULT_SCHEMAS['import-paths'].parse(state.result).imported).toHaveLength(8);
});
afterAll(async () => {
  await service?.close();
  await server?.stop();
});

const darkItem = async (): Promise<string> => (await call('libraryList', { label: 'dark' })).items[0]!.id;

describe('retrieval backends chosen in settings', () => {
  it('answers with the automatic choice (exact) by default and says so', async () => {
    const settings = await call('settingsGet');
    expect(settings.retrieval).toMatchObject({ store: 'auto', pgvectorUrl: null, pgvectorSearch: 'hnsw' });
    const result = await call('retrieveQuery', { source: { kind: 'item', id: await darkItem() }, k: 3 });
    expect(result.engine).toEqual({ kind: 'exact', precision: 'f32', recall: 'exact' });
    expect(result.results.every((hit) => hit.relevant)).toBe(true);
    expect((await call('retrieveIndexStatus')).engine).toMatchObject({ kind: 'exact' });
  });

  it('switches to the HNSW index and back, on the same workspace file', async () => {
    await call('settingsUpdate', { retrieval: { store: 'ann' } });
    const result = await call('retrieveQuery', { source: { kind: 'item', id: await darkItem() }, k: 3 });
    expect(result.engine).toMatchObject({ kind: 'ann', precision: 'f16' });
    expect(result.engine.recall).toMatch(/^hnsw M 16 ef \d+$/);
    expect(result.indexSize).toBe(8);
    expect(result.results.every((hit) => hit.relevant)).toBe(true);
    await call('settingsUpdate', { retrieval: { store: 'exact' } });
    const exact = await call('retrieveQuery', { source: { kind: 'item', id: await darkItem() }, k: 3 });
    expect(exact.engine).toEqual({ kind: 'exact', precision: 'i8', recall: 'exact' });
  });

  it('refuses a connection URL with a password, and pgvector without a URL', async () => {
    const withPassword = await rejection('settingsUpdate', {
      retrieval: { store: 'pgvector', pgvectorUrl: 'postgres://me:secret@db.example/cl' },
    });
    expect(withPassword.code).toBe('BAD_INPUT');
    expect(withPassword.message).toMatch(/password/);
    expect((await rejection('settingsUpdate', { retrieval: { store: 'pgvector' } })).message).toMatch(/URL/);
    expect((await call('settingsGet')).retrieval.pgvectorUrl).toBeNull();
  });

  it('builds and queries a pgvector index over the wire protocol, and drops removed images from it', async () => {
    const settings = await call('settingsUpdate', {
      retrieval: { store: 'pgvector', pgvectorUrl: server.url, pgvectorSearch: 'exact' },
    });
    expect(settings.retrieval).toMatchObject({ store: 'pgvector', pgvectorUrl: server.url });
    expect(await call('retrieveIndexStatus')).toMatchObject({
      indexed: 0,
      missing: 8,
      engine: { kind: 'pgvector' },
    });
    const built = await service.context.jobs.wait((await call('retrieveBuildIndex')).jobId);
    expect(JOB_RESULT_SCHEMAS['index-build'].parse(built.result)).toMatchObject({ indexed: 8, missing: 0 });
    const result = await call('retrieveQuery', { source: { kind: 'item', id: await darkItem() }, k: 3 });
    expect(result.engine).toEqual({ kind: 'pgvector', precision: 'f32', recall: 'exact' });
    expect(result.results.every((hit) => hit.relevant)).toBe(true);

    // What reached the server: ids, labels, key fingerprints, the workspace's source digest; no names.
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>('SELECT name FROM cipherlens_indexes');
      expect(tables.rows).toHaveLength(1);
      const rows = await client.query(`SELECT * FROM "${tables.rows[0]!.name}"`);
      expect(rows.rows).toHaveLength(8);
      for (const row of rows.rows) {
        expect(row.metadata).toEqual({});
        expect(row.key_fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(row.source).toMatch(/^ws-[0-9a-f]{16}$/);
        expect(JSON.stringify(row)).not.toMatch(/\.png/);
      }
    } finally {
      await client.end();
    }

    const removed = await darkItem();
    await call('libraryRemove', { ids: [removed] });
    const after = await call('retrieveQuery', { source: { kind: 'item', id: await darkItem() }, k: 7 });
    expect(after.indexSize).toBe(7);
    expect(after.results.map((hit) => hit.id)).not.toContain(removed);
  });

  it('gives another workspace its own index', async () => {
    await call('settingsUpdate', { retrieval: { store: 'auto' } });
    const other = await temporaryFolder();
    await call('workspaceChoose', { path: other, create: true });
    expect(await call('retrieveIndexStatus')).toMatchObject({
      indexed: 0,
      missing: 0,
      engine: { kind: 'exact' },
    });
  });
});
