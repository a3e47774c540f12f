import { createHash } from 'node:crypto';
import pg from 'pg';
import { CipherLensError } from '../errors.js';
import { readRegularText } from '../fs/read.js';
import {
  prepareBatch,
  checkNewItems,
  completeDescription,
  storedItemOf,
  type NewStoreDescription,
} from './exact-cosine-store.js';
import { normalizeInto } from './vectors.js';
import {
  isEmptyFilter,
  type ItemFilter,
  type JsonValue,
  type NewItem,
  type SearchHit,
  type SearchOptions,
  type StoreDescription,
  type StoreEngineInfo,
  type StoredItem,
  type StoredVector,
  type VectorStore,
} from './vector-store.js';

export interface PgVectorOptions {
  /** postgres://user@host:port/database — without a password (see passwordFile). */
  url: string;
  /**
   * A file holding the password (first line). Passwords are refused inside `url`, which is kept in settings.json
   * and shown on screen; without a file node-postgres reads ~/.pgpass (or $PGPASSFILE) like libpq does.
   */
  passwordFile?: string;
  /** The items table (an SQL identifier); one table per model and key. */
  table: string;
  /** `hnsw` answers through pgvector's HNSW index (vector_cosine_ops); `exact` scans every row. Default hnsw. */
  search?: 'hnsw' | 'exact';
  /** hnsw.ef_search for queries (default 100; raised to k when k is larger). */
  efSearch?: number;
  /** HNSW m and ef_construction when this store creates the index (pgvector's defaults: 16, 64). */
  connectivity?: number;
  efConstruction?: number;
  /** Connections in the pool (default 4). */
  poolSize?: number;
  /** Called after each chunk of an `add` is sent (progress; the chunks commit together). */
  onWriteProgress?: (written: number, total: number) => void;
}

/** Rows per INSERT: 7 parameters a row stays far below PostgreSQL's 65,535-parameter limit. */
const INSERT_CHUNK = 500;
const REGISTRY = 'cipherlens_indexes';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,50}$/;

/** The table of one model and key's index: the name says nothing about either (the registry row does). */
export const pgvectorTableOf = (modelId: string, keyFingerprint: string | null): string =>
  `cl_${createHash('sha256')
    .update(`${modelId}\0${keyFingerprint ?? ''}`)
    .digest('hex')
    .slice(0, 24)}`;

/** Checks a connection string and refuses one carrying a password. */
export function checkPgUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CipherLensError(
      'BAD_INPUT',
      `"${url}" is not a connection URL: use postgres://user@host:5432/database`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new CipherLensError(
      'BAD_INPUT',
      `connection URL must start with postgres://, got ${parsed.protocol}//`,
    );
  if (parsed.password !== '' || parsed.searchParams.has('password')) {
    throw new CipherLensError(
      'BAD_INPUT',
      'the connection URL holds a password: remove it and put the password in a password file (or ~/.pgpass), so it is not stored in settings or shown on screen',
    );
  }
  return parsed;
}

/** The connection URL without anything secret, for display. */
export const describePgUrl = (url: string): string => {
  const parsed = checkPgUrl(url);
  return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
};

const vectorLiteral = (vector: Float32Array): string => `[${Array.from(vector).join(',')}]`;

function parseVector(text: string): Float32Array {
  return Float32Array.from(JSON.parse(text) as number[]);
}

/** Maps driver and server failures to errors that say what to do. */
function serverError(error: unknown, what: string): CipherLensError {
  if (error instanceof CipherLensError) return error;
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET')
    return new CipherLensError(
      'REMOTE_UNREACHABLE',
      `${what}: cannot reach the PostgreSQL server (${message})`,
      { cause: error },
    );
  if (code === '28P01' || code === '28000')
    return new CipherLensError(
      'REMOTE_AUTH',
      `${what}: the PostgreSQL server refused the credentials (${message})`,
      { cause: error },
    );
  if (code === '23505')
    return new CipherLensError('BAD_INPUT', `${what}: an id is already in the index (${message})`, {
      cause: error,
    });
  return new CipherLensError('REMOTE_ERROR', `${what}: ${message}${code ? ` (SQLSTATE ${code})` : ''}`, {
    cause: error,
  });
}

interface Row {
  id: string;
  label: string | null;
  key_fingerprint: string | null;
  source: string | null;
  metadata: Record<string, JsonValue>;
}

const itemOf = (row: Row): StoredItem => ({
  id: row.id,
  label: row.label,
  keyFingerprint: row.key_fingerprint,
  source: row.source,
  metadata: row.metadata,
});

/**
 * A shared department index in PostgreSQL with pgvector: table `<table>` (seq, id, label, key_fingerprint,
 * source, metadata, embedding vector(d)) and a row in `cipherlens_indexes` with the description. Only ids,
 * labels, key fingerprints, sources and embeddings of encrypted images are sent, never keys or pixels.
 * Every call is one statement or one transaction: a writer that dies mid-`add` leaves nothing behind.
 */
export class PgVectorStore implements VectorStore {
  readonly engine: StoreEngineInfo;
  private readonly quoted: string;
  private readonly efSearch: number;

  private constructor(
    private readonly pool: pg.Pool,
    readonly description: StoreDescription,
    private readonly options: PgVectorOptions,
  ) {
    this.quoted = `"${options.table}"`;
    this.efSearch = options.efSearch ?? 100;
    const mode = options.search ?? 'hnsw';
    this.engine = {
      kind: 'pgvector',
      precision: 'f32',
      recall: mode === 'exact' ? 'exact' : `hnsw ef ${this.efSearch}`,
    };
  }

  /**
   * Opens the table, creating it (and the extension, the registry and the HNSW index) when `create` describes it.
   * An existing table must hold vectors of the same model, key and dimension as `create`.
   */
  static async open(options: PgVectorOptions, create?: NewStoreDescription): Promise<PgVectorStore> {
    checkPgUrl(options.url);
    if (!IDENTIFIER.test(options.table))
      throw new CipherLensError(
        'BAD_INPUT',
        `table name "${options.table}" must be lower-case letters, digits and _ (at most 51)`,
      );
    if (options.search !== undefined && options.search !== 'hnsw' && options.search !== 'exact')
      throw new CipherLensError(
        'BAD_INPUT',
        `pgvector search must be hnsw or exact, got ${String(options.search)}`,
      );
    const ef = options.efSearch ?? 100;
    if (!Number.isInteger(ef) || ef < 1 || ef > 1000)
      throw new CipherLensError('BAD_INPUT', `efSearch must be an integer from 1 to 1000, got ${ef}`);
    const password = options.passwordFile
      ? (await readRegularText(options.passwordFile, 4096)).split('\n')[0]!.trim()
      : undefined;
    const pool = new pg.Pool({
      connectionString: options.url,
      ...(password !== undefined && { password }),
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: 15_000,
    });
    // An idle connection the server drops must not crash the process.
    pool.on('error', () => undefined);
    try {
      const description = await PgVectorStore.prepare(pool, options, create);
      return new PgVectorStore(pool, description, options);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw serverError(error, `pgvector index ${options.table}`);
    }
  }

  private static async prepare(
    pool: pg.Pool,
    options: PgVectorOptions,
    create: NewStoreDescription | undefined,
  ): Promise<StoreDescription> {
    const table = `"${options.table}"`;
    const known = await pool
      .query<{ description: StoreDescription }>(`SELECT description FROM ${REGISTRY} WHERE name = $1`, [
        options.table,
      ])
      .catch((error: { code?: string }) => {
        if (error.code === '42P01') return { rows: [] }; // no registry yet
        throw error;
      });
    let description = known.rows[0]?.description;
    if (!description) {
      if (!create)
        throw new CipherLensError('NOT_FOUND', `the PostgreSQL server has no index "${options.table}"`);
      description = completeDescription(create);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${REGISTRY} (name text PRIMARY KEY, description jsonb NOT NULL)`,
        );
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${table} (seq bigserial, id text PRIMARY KEY, label text, key_fingerprint text, source text, metadata jsonb NOT NULL DEFAULT '{}', embedding vector(${description.dimension}) NOT NULL)`,
        );
        await client.query(
          `INSERT INTO ${REGISTRY} (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
          [options.table, JSON.stringify(description)],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      // Another workstation may have created it first: its description is the one that counts.
      description = (
        await pool.query<{ description: StoreDescription }>(
          `SELECT description FROM ${REGISTRY} WHERE name = $1`,
          [options.table],
        )
      ).rows[0]!.description;
    }
    if (create) {
      const wanted = completeDescription(create);
      for (const field of ['dimension', 'modelId', 'keyFingerprint'] as const) {
        if (wanted[field] !== description[field])
          throw new CipherLensError(
            'MODEL_MISMATCH',
            `pgvector index ${options.table} holds ${field} ${String(description[field])}, not ${String(wanted[field])}`,
          );
      }
    }
    if ((options.search ?? 'hnsw') === 'hnsw') {
      const m = options.connectivity ?? 16;
      const efc = options.efConstruction ?? 64;
      if (!Number.isInteger(m) || m < 2 || m > 100 || !Number.isInteger(efc) || efc < 4 || efc > 1000)
        throw new CipherLensError(
          'BAD_INPUT',
          `HNSW m must be 2…100 and ef_construction 4…1000, got ${m}, ${efc}`,
        );
      await pool.query(
        `CREATE INDEX IF NOT EXISTS "${options.table}_hnsw" ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efc})`,
      );
    }
    return description;
  }

  async count(filter?: ItemFilter): Promise<number> {
    const where = new Where();
    where.filter(filter);
    const result = await this.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.quoted}${where.sql()}`,
      where.values,
      'count',
    );
    return Number(result.rows[0]!.n);
  }

  async ids(filter?: ItemFilter): Promise<string[]> {
    const where = new Where();
    where.filter(filter);
    const result = await this.query<{ id: string }>(
      `SELECT id FROM ${this.quoted}${where.sql()} ORDER BY seq`,
      where.values,
      'ids',
    );
    return result.rows.map((row) => row.id);
  }

  async has(id: string): Promise<boolean> {
    const result = await this.query(`SELECT 1 FROM ${this.quoted} WHERE id = $1`, [id], 'has');
    return result.rows.length > 0;
  }

  async get(ids: readonly string[]): Promise<(StoredVector | null)[]> {
    if (ids.length === 0) return [];
    const result = await this.query<Row & { embedding: string }>(
      `SELECT id, label, key_fingerprint, source, metadata, embedding::text AS embedding FROM ${this.quoted} WHERE id = ANY($1::text[])`,
      [ids],
      'get',
    );
    const byId = new Map(result.rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? { ...itemOf(row), vector: parseVector(row.embedding) } : null;
    });
  }

  async add(items: readonly NewItem[]): Promise<void> {
    const dim = this.description.dimension;
    checkNewItems(items, dim, () => false);
    if (items.length === 0) return;
    const client = await this.connect('add');
    try {
      await client.query('BEGIN');
      const normalised = new Float32Array(dim);
      for (let start = 0; start < items.length; start += INSERT_CHUNK) {
        const chunk = items.slice(start, start + INSERT_CHUNK);
        const values: unknown[] = [];
        const rows = chunk.map((item, i) => {
          const stored = storedItemOf(item);
          normalizeInto(item.vector, normalised);
          values.push(
            stored.id,
            stored.label,
            stored.keyFingerprint,
            stored.source,
            JSON.stringify(stored.metadata),
            vectorLiteral(normalised),
          );
          const p = i * 6;
          return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::jsonb, $${p + 6}::vector)`;
        });
        await client.query(
          `INSERT INTO ${this.quoted} (id, label, key_fingerprint, source, metadata, embedding) VALUES ${rows.join(', ')}`,
          values,
        );
        this.options.onWriteProgress?.(start + chunk.length, items.length);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw serverError(error, `adding to pgvector index ${this.options.table}`);
    } finally {
      client.release();
    }
  }

  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.query(`DELETE FROM ${this.quoted} WHERE id = ANY($1::text[])`, [ids], 'remove');
    return result.rowCount ?? 0;
  }

  async search(query: Float32Array, options: SearchOptions = {}): Promise<SearchHit[]> {
    return (await this.searchBatch(query, 1, options))[0]!;
  }

  async searchById(id: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    const [stored] = await this.get([id]);
    if (!stored) throw new CipherLensError('NOT_FOUND', `no item "${id}" in the index`);
    return this.search(stored.vector, { ...options, excludeIds: [...(options.excludeIds ?? []), id] });
  }

  /** One query per vector, run in parallel over the pool's connections. */
  async searchBatch(
    queries: Float32Array,
    count: number,
    options: SearchOptions = {},
  ): Promise<SearchHit[][]> {
    const dim = this.description.dimension;
    const { k, normalised } = prepareBatch(queries, count, options, dim);
    return Promise.all(
      Array.from({ length: count }, (_, q) =>
        this.searchOne(normalised.subarray(q * dim, (q + 1) * dim), k, options),
      ),
    );
  }

  async save(): Promise<void> {
    // Every add and remove commits on the server.
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async searchOne(vector: Float32Array, k: number, options: SearchOptions): Promise<SearchHit[]> {
    const where = new Where();
    const literal = where.add(vectorLiteral(vector));
    where.filter(options.filter);
    if (options.excludeIds?.length)
      where.clause(`NOT (id = ANY(${where.add([...options.excludeIds])}::text[]))`);
    const sql = `SELECT id, label, key_fingerprint, source, metadata, 1 - (embedding <=> ${literal}::vector) AS score FROM ${this.quoted}${where.sql()} ORDER BY embedding <=> ${literal}::vector LIMIT ${k}`;
    const client = await this.connect('search');
    try {
      await client.query('BEGIN');
      if ((this.options.search ?? 'hnsw') === 'exact') {
        await client.query(`SELECT set_config('enable_indexscan', 'off', true)`);
      } else {
        await client.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [
          String(Math.max(this.efSearch, k)),
        ]);
        // pgvector ≥ 0.8: keep scanning the graph until enough rows pass the WHERE clause.
        if (!isEmptyFilter(options.filter) || options.excludeIds?.length)
          await client.query(`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`);
      }
      const result = await client.query<Row & { score: number }>(sql, where.values);
      await client.query('COMMIT');
      // relaxed_order may return near-ties out of order: order them here.
      const rows = [...result.rows].sort((a, b) => b.score - a.score);
      return rows.map((row, index) => ({ ...itemOf(row), score: Number(row.score), rank: index + 1 }));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw serverError(error, `searching pgvector index ${this.options.table}`);
    } finally {
      client.release();
    }
  }

  private async connect(what: string): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw serverError(error, `${what} on pgvector index ${this.options.table}`);
    }
  }

  private async query<R extends pg.QueryResultRow>(
    sql: string,
    values: unknown[],
    what: string,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, values);
    } catch (error) {
      throw serverError(error, `${what} on pgvector index ${this.options.table}`);
    }
  }
}

/** A WHERE clause with numbered parameters. */
class Where {
  readonly values: unknown[] = [];
  private readonly clauses: string[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  clause(sql: string): void {
    this.clauses.push(sql);
  }

  filter(filter: ItemFilter | undefined): void {
    if (!filter) return;
    const column = (name: string, allowed: readonly (string | null)[] | undefined): void => {
      if (allowed === undefined) return;
      const named = allowed.filter((value): value is string => value !== null);
      const nullAllowed = named.length < allowed.length;
      this.clause(`(${name} = ANY(${this.add(named)}::text[])${nullAllowed ? ` OR ${name} IS NULL` : ''})`);
    };
    column('label', filter.labels);
    column('key_fingerprint', filter.keyFingerprints);
    column('source', filter.sources);
  }

  sql(): string {
    return this.clauses.length === 0 ? '' : ` WHERE ${this.clauses.join(' AND ')}`;
  }
}
