import { spawn } from 'node:child_process';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewStoreDescription } from '../../../src/core/retrieval/exact-cosine-store.js';
import { openVectorStore, type VectorStoreSpec } from '../../../src/core/retrieval/open-vector-store.js';
import type { ItemFilter, NewItem, VectorStore } from '../../../src/core/retrieval/vector-store.js';
import { startPgliteServer, type PgliteServer } from './pglite-server.js';
import { randomVectors } from './random-vectors.js';

/**
 * One suite, run unchanged against every backend. `exact` answers must equal brute force; approximate backends
 * (HNSW in usearch or in pgvector) must reach RECALL_FLOOR recall@10 on these small uniform-random sets (graph
 * search on 2,000 × 64 finds ≥ 0.99 in practice; the floor leaves room for seeds without accepting a broken index).
 */
const RECALL_FLOOR = 0.95;
/** PGlite runs PostgreSQL in WASM on one thread: on a loaded 2-core machine its HNSW inserts take tens of seconds. */
const SLOW = 180_000;
const DIM = 64;
const COUNT = 2000;
const LABELS = ['a', 'b', 'c', null] as const;
const SOURCES = ['ws-1', 'ws-2'] as const;

interface Backend {
  name: string;
  exact: boolean;
  /** Where a store named `name` lives; the same name reopens it. */
  spec(name: string): VectorStoreSpec;
  /** For the crash test's child: backend kind and path or URL, and table. */
  childArgs(name: string): string[];
}

let server: PgliteServer;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cl-contract-'));
  server = await startPgliteServer();
});
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

let tables = 0;
const tableOf = new Map<string, string>();
const table = (name: string): string => {
  if (!tableOf.has(name)) tableOf.set(name, `contract_${tables++}`);
  return tableOf.get(name)!;
};

const backends: Backend[] = [
  {
    name: 'exact f32',
    exact: true,
    spec: (name) =>
      ({ kind: 'exact', path: join(dir, `${name}.f32.clvs`), blockRows: 1000 }) as VectorStoreSpec,
    childArgs: (name) => ['exact', join(dir, `${name}.f32.clvs`)],
  },
  {
    name: 'exact i8 (float32 re-rank)',
    exact: true,
    spec: (name) => ({ kind: 'exact', path: join(dir, `${name}.i8.clvs`), precision: 'i8' }),
    childArgs: (name) => ['exact', join(dir, `${name}.i8.clvs`)],
  },
  {
    name: 'ann (usearch HNSW, f16)',
    exact: false,
    spec: (name) => ({ kind: 'ann', path: join(dir, `${name}.ann.clvs`) }),
    childArgs: (name) => ['ann', join(dir, `${name}.ann.clvs`)],
  },
  {
    name: 'pgvector HNSW (PGlite over the wire protocol)',
    exact: false,
    spec: (name) => ({ kind: 'pgvector', url: server.url, table: table(`${name}-hnsw`), search: 'hnsw' }),
    childArgs: (name) => ['pgvector', server.url, table(`${name}-hnsw`)],
  },
  {
    name: 'pgvector exact scan (PGlite over the wire protocol)',
    exact: true,
    spec: (name) => ({ kind: 'pgvector', url: server.url, table: table(`${name}-exact`), search: 'exact' }),
    childArgs: (name) => ['pgvector', server.url, table(`${name}-exact`)],
  },
];

const description: NewStoreDescription = { dimension: DIM, modelId: 'm1', keyFingerprint: 'k1' };

function items(count: number, seed: number, prefix = 'item'): NewItem[] {
  const vectors = randomVectors(count, DIM, seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    label: LABELS[i % LABELS.length]!,
    keyFingerprint: i % 5 === 0 ? 'k2' : 'k1',
    source: SOURCES[i % SOURCES.length]!,
    metadata: { index: i },
    vector: vectors.subarray(i * DIM, (i + 1) * DIM),
  }));
}

/** Brute force in float64 over the admitted items. */
function bruteForce(
  all: readonly NewItem[],
  query: Float32Array,
  k: number,
  admit: (item: NewItem) => boolean = () => true,
): string[] {
  const norm = (v: Float32Array): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  const qn = norm(query);
  return all
    .filter(admit)
    .map((item) => {
      let dot = 0;
      for (let i = 0; i < DIM; i++) dot += item.vector[i]! * query[i]!;
      return { id: item.id, score: dot / (norm(item.vector) * qn) };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((hit) => hit.id);
}

const recall = (found: readonly string[], truth: readonly string[]): number =>
  truth.filter((id) => found.includes(id)).length / truth.length;

async function withStore<T>(spec: VectorStoreSpec, run: (store: VectorStore) => Promise<T>): Promise<T> {
  const store = await openVectorStore(spec, description);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

describe.each(backends)('VectorStore contract: $name', (backend) => {
  const data = items(COUNT, 11);
  const queries = randomVectors(20, DIM, 99);

  it(
    'answers like brute force (exact) or above the recall floor (approximate), with and without filters',
    async () => {
      await withStore(backend.spec('search'), async (store) => {
        await store.add(data);
        expect(await store.count()).toBe(COUNT);
        let total = 0;
        const batch = await store.searchBatch(queries, 20, { k: 10 });
        for (let q = 0; q < 20; q++) {
          const query = queries.subarray(q * DIM, (q + 1) * DIM);
          const truth = bruteForce(data, query, 10);
          const single = await store.search(query, { k: 10 });
          expect(single).toHaveLength(10);
          expect(single.map((hit) => hit.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
          for (let i = 1; i < single.length; i++)
            expect(single[i]!.score).toBeLessThanOrEqual(single[i - 1]!.score + 1e-6);
          if (backend.exact) {
            expect(single.map((hit) => hit.id)).toEqual(truth);
            expect(batch[q]!.map((hit) => hit.id)).toEqual(truth);
          }
          total += recall(
            single.map((hit) => hit.id),
            truth,
          );
          // Scores are cosine similarities of the stored vectors, whichever engine ranked them.
          const [stored] = await store.get([single[0]!.id]);
          let dot = 0;
          for (let i = 0; i < DIM; i++) dot += stored!.vector[i]! * query[i]!;
          const qn = Math.hypot(...query);
          expect(single[0]!.score).toBeCloseTo(dot / qn, 4);
        }
        expect(total / 20).toBeGreaterThanOrEqual(backend.exact ? 1 : RECALL_FLOOR);
        // The query item itself is excluded by searchById.
        const neighbours = await store.searchById('item-7', { k: 5 });
        expect(neighbours.map((hit) => hit.id)).not.toContain('item-7');
        expect(neighbours).toHaveLength(5);

        // Filters on label, key fingerprint and source (AND across fields; null admits unlabelled items).
        const cases: { filter: ItemFilter; admit: (item: NewItem) => boolean }[] = [
          { filter: { labels: ['a'] }, admit: (item) => item.label === 'a' },
          { filter: { labels: ['b', null] }, admit: (item) => item.label === 'b' || item.label === null },
          { filter: { keyFingerprints: ['k2'] }, admit: (item) => item.keyFingerprint === 'k2' },
          {
            filter: { sources: ['ws-2'], labels: ['c'] },
            admit: (item) => item.source === 'ws-2' && item.label === 'c',
          },
          { filter: { labels: ['none-such'] }, admit: () => false },
        ];
        for (const { filter, admit } of cases) {
          const admitted = data.filter(admit).length;
          expect(await store.count(filter)).toBe(admitted);
          expect((await store.ids(filter)).sort()).toEqual(
            data
              .filter(admit)
              .map((item) => item.id)
              .sort(),
          );
          let total = 0;
          for (let q = 0; q < 5; q++) {
            const query = queries.subarray(q * DIM, (q + 1) * DIM);
            const hits = await store.search(query, { k: 10, filter });
            const truth = bruteForce(data, query, 10, admit);
            expect(hits).toHaveLength(Math.min(10, admitted));
            for (const hit of hits) expect(admit(data[Number(hit.id.split('-')[1])]!)).toBe(true);
            if (backend.exact) expect(hits.map((hit) => hit.id)).toEqual(truth);
            total +=
              truth.length === 0
                ? 1
                : recall(
                    hits.map((hit) => hit.id),
                    truth,
                  );
          }
          expect(total / 5).toBeGreaterThanOrEqual(backend.exact ? 1 : RECALL_FLOOR);
        }
      });
    },
    SLOW,
  );

  it(
    'lists, counts, gets in one batch and removes',
    async () => {
      await withStore(backend.spec('listing'), async (store) => {
        const few = items(50, 3);
        await store.add(few);
        expect(await store.ids()).toEqual(few.map((item) => item.id));
        expect(await store.has('item-3')).toBe(true);
        expect(await store.has('nope')).toBe(false);
        const got = await store.get(['item-4', 'nope', 'item-0']);
        expect(got.map((entry) => entry?.id ?? null)).toEqual(['item-4', null, 'item-0']);
        expect(got[0]).toMatchObject({
          label: few[4]!.label,
          keyFingerprint: 'k1',
          source: 'ws-1',
          metadata: { index: 4 },
        });
        const n = Math.hypot(...few[4]!.vector);
        got[0]!.vector.forEach((value, i) => expect(value).toBeCloseTo(few[4]!.vector[i]! / n, 5));
        expect(await store.remove(['item-1', 'item-2', 'absent'])).toBe(2);
        expect(await store.count()).toBe(48);
        expect(await store.has('item-1')).toBe(false);
        expect((await store.ids()).sort()).toEqual(
          few
            .map((item) => item.id)
            .filter((id) => id !== 'item-1' && id !== 'item-2')
            .sort(),
        );
        // A removed item is never found again; the others still are.
        const hits = await store.search(few[2]!.vector, { k: 48 });
        expect(hits.map((hit) => hit.id)).not.toContain('item-2');
        expect((await store.search(few[9]!.vector, { k: 1 }))[0]!.id).toBe('item-9');
      });
    },
    SLOW,
  );

  it(
    'refuses bad input and leaves the store unchanged',
    async () => {
      await withStore(backend.spec('refusals'), async (store) => {
        // A query with no direction is refused by every store, empty or not: it is bad input, not "no hits".
        await expect(store.search(new Float32Array(DIM))).rejects.toThrow(/query 0 has norm 0/);
        await store.add(items(5, 4));
        await expect(store.search(new Float32Array(DIM).fill(Number.NaN))).rejects.toThrow(/norm NaN/);
        await expect(store.add([{ id: 'item-1', vector: new Float32Array(DIM).fill(1) }])).rejects.toThrow(
          /already/,
        );
        await expect(
          store.add([
            { id: 'fresh', vector: new Float32Array(DIM).fill(1) },
            { id: 'fresh', vector: new Float32Array(DIM).fill(1) },
          ]),
        ).rejects.toThrow(/already/);
        await expect(store.add([{ id: 'short', vector: new Float32Array(DIM - 1).fill(1) }])).rejects.toThrow(
          /values/,
        );
        await expect(store.add([{ id: 'zero', vector: new Float32Array(DIM) }])).rejects.toThrow(/norm/);
        await expect(store.search(new Float32Array(DIM).fill(1), { k: 0 })).rejects.toThrow(/k must/);
        await expect(store.search(new Float32Array(3).fill(1))).rejects.toThrow(/values/);
        await expect(store.searchById('nope')).rejects.toThrow(/no item/);
        expect(await store.count()).toBe(5);
        expect(await store.has('fresh')).toBe(false);
      });
    },
    SLOW,
  );

  it(
    'keeps everything across close and reopen',
    async () => {
      const some = items(400, 5);
      const query = queries.subarray(0, DIM);
      const before = await withStore(backend.spec('persist'), async (store) => {
        await store.add(some);
        await store.remove(['item-10']);
        await store.save();
        return (await store.search(query, { k: 10 })).map((hit) => hit.id);
      });
      await withStore(backend.spec('persist'), async (store) => {
        expect(await store.count()).toBe(399);
        expect(await store.has('item-10')).toBe(false);
        expect((await store.get(['item-11']))[0]).toMatchObject({
          label: some[11]!.label,
          source: some[11]!.source,
        });
        expect((await store.search(query, { k: 10 })).map((hit) => hit.id)).toEqual(before);
        expect(store.description).toMatchObject({ dimension: DIM, modelId: 'm1', keyFingerprint: 'k1' });
      });
      // Opening without a description finds the saved index; an unknown one is NOT_FOUND.
      const reopened = await openVectorStore(backend.spec('persist'));
      expect(await reopened.count()).toBe(399);
      await reopened.close();
      await expect(openVectorStore(backend.spec('never-made'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    },
    SLOW,
  );

  it(
    'serves searches while adds run, and loses no add',
    async () => {
      await withStore(backend.spec('concurrent'), async (store) => {
        await store.add(items(200, 6, 'seed'));
        const batches = Array.from({ length: 6 }, (_, b) => items(100, 20 + b, `batch${b}`));
        const work: Promise<unknown>[] = [];
        for (const batch of batches) {
          work.push(store.add(batch));
          work.push(
            store.search(queries.subarray(0, DIM), { k: 5 }).then((hits) => {
              expect(hits).toHaveLength(5);
              for (const hit of hits) expect(Number.isFinite(hit.score)).toBe(true);
            }),
          );
        }
        await Promise.all(work);
        expect(await store.count()).toBe(800);
        for (const batch of batches) expect(await store.has(batch[99]!.id)).toBe(true);
        expect((await store.search(batches[3]![7]!.vector, { k: 1 }))[0]!.id).toBe('batch3-7');
      });
    },
    SLOW,
  );

  it(
    'a writer killed in the middle of a write leaves the previous state',
    async () => {
      const first = items(30, 8);
      await withStore(backend.spec('crash'), async (store) => {
        await store.add(first);
        await store.save();
      });
      const script = fileURLToPath(new URL('./fixtures/write-and-die.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...backend.childArgs('crash')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      // Kill when the write is under way: a server transaction has sent rows, or a file's temporary exists.
      const deadline = Date.now() + 50_000;
      let midWrite = false;
      while (!midWrite && Date.now() < deadline && child.exitCode === null) {
        midWrite =
          backend.childArgs('crash')[0] === 'pgvector'
            ? stdout.includes('writing')
            : (await readdir(dir)).some((name) => name.endsWith('.tmp'));
        if (!midWrite) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.kill('SIGKILL');
      await exited;
      expect(stderr).toBe('');
      expect(midWrite).toBe(true);
      expect(stdout).not.toContain('saved');
      await withStore(backend.spec('crash'), async (store) => {
        expect(await store.count()).toBe(30);
        expect(await store.has('crash-0')).toBe(false);
        expect((await store.search(first[4]!.vector, { k: 1 }))[0]!.id).toBe('item-4');
      });
    },
    SLOW,
  );

  it(
    'says which engine answers',
    async () => {
      await withStore(backend.spec('engine'), async (store) => {
        expect(['exact', 'ann', 'pgvector']).toContain(store.engine.kind);
        expect(store.engine.recall === 'exact').toBe(backend.exact);
      });
    },
    SLOW,
  );
});
