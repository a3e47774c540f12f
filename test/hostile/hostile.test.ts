import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { readIdxFile } from '../../src/core/datasets/idx.js';
import { readTarGzFile } from '../../src/core/datasets/tar.js';
import { isCipherLensError } from '../../src/core/errors.js';
import { startBrowserHost, type BrowserHost } from '../../src/server/server.js';
import { runCli } from '../cli/run-cli.js';
import { startTestService } from '../backend/harness.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { buildCorpus, type Corpus, type HostileInput } from './corpus.js';

/**
 * The standing hostile-input suite. Every crafted input (corpus.ts) must end, through the real entry point,
 * in success or a CipherLensError with a code other than INTERNAL, within the budget below. The figures of the
 * last run are written to test-results/hostile-report.json (and printed).
 *
 * CIPHERLENS_HOSTILE_SCALE (default 1: ≈ 10 000 inputs) scales the "every length" and random classes.
 */
const BUDGET = { perInputMs: 10_000, rssBytes: 2 * 1024 ** 3, loopStallMs: 250, totalMs: 5 * 60_000 };

/**
 * Classes known to exceed the budget, and why. Their inputs still run and are measured, and they must still
 * end in success or a clear code; only the named budget is not asserted for them, and the report lists every
 * violation. A class that comes back within budget is reported so it can be removed from here.
 */
export const PENDING_OVER_BUDGET: Record<string, { budget: 'loopStallMs' | 'perInputMs'; why: string }> = {
  // Empty: 'image-decompression-bomb' (4096²/8000² PNGs of 50-190 KB) stalled the loop 0.3-1.8 s until large
  // images were encrypted in worker threads (crypto/cipher-pool.ts); now max 113 ms at scale 1.
};

const scale = Number(process.env.CIPHERLENS_HOSTILE_SCALE ?? '1');
const TOKEN = 'hostile-token-0123456789abcdefghijklmnopqrstuv';

interface Outcome {
  cls: string;
  target: string;
  via: 'cli' | 'core' | 'api';
  input: string;
  result: string; // 'ok' or the error code
  ms: number;
  stallMs: number;
  /** Longest garbage-collection pause during the run (part of the stall, reported for diagnosis). */
  gcMs: number;
  rss: number;
}

let corpus: Corpus;
let work: string;
let service: AppService;
let host: BrowserHost;
const outcomes: Outcome[] = [];
const retried: { first: Outcome; again: Outcome }[] = [];

function overBudget(outcome: Outcome): ('perInputMs' | 'loopStallMs' | 'rssBytes')[] {
  const over: ('perInputMs' | 'loopStallMs' | 'rssBytes')[] = [];
  if (outcome.ms > BUDGET.perInputMs) over.push('perInputMs');
  if (outcome.stallMs > BUDGET.loopStallMs) over.push('loopStallMs');
  if (outcome.rss > BUDGET.rssBytes) over.push('rssBytes');
  return over;
}
let generationMs = 0;
let runMs = 0;

beforeAll(async () => {
  work = await temporaryFolder('cipherlens-hostile-');
  const started = Date.now();
  corpus = await buildCorpus(join(work, 'corpus'), scale);
  generationMs = Date.now() - started;
  await mkdir(join(work, 'out'), { recursive: true });
  service = await startTestService();
  const renderer = join(work, 'renderer');
  await mkdir(renderer, { recursive: true });
  await writeFile(join(renderer, 'index.html'), '<!doctype html><title>CipherLens</title>');
  host = await startBrowserHost({ service, rendererDir: renderer, token: TOKEN, port: 0 });
}, 300_000);

afterAll(async () => {
  await host?.close();
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

const codeOf = (stderr: string): string[] => [...stderr.matchAll(/error \[([A-Z_]+)\]/g)].map((m) => m[1]!);

/** One CLI run: 'ok', the error code(s) it printed, or UNCODED for an error without one. */
async function viaCli(argv: (string | Buffer)[]): Promise<string> {
  const result = await runCli(...argv.map(String));
  if (result.code === 0) return 'ok';
  const codes = codeOf(result.stderr);
  if (codes.length === 0) return `UNCODED: ${result.stderr.slice(0, 200)}`;
  return [...new Set(codes)].join('+');
}

async function viaCore(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'ok';
  } catch (error) {
    return isCipherLensError(error) ? error.code : `UNCODED: ${String(error).slice(0, 200)}`;
  }
}

function api(operation: string, payload: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: host.port,
        path: `/api/${operation}`,
        method: 'POST',
        headers: {
          cookie: `cipherlens_token_${host.port}=${TOKEN}`,
          'content-type': 'application/json',
          'x-cipherlens': '1',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode === 200) return resolve('ok');
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
              code?: string;
              error?: { code?: string };
            };
            resolve(parsed.code ?? parsed.error?.code ?? `UNCODED: HTTP ${res.statusCode}`);
          } catch {
            resolve(`UNCODED: HTTP ${res.statusCode}`);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function cliArgs(input: HostileInput): (string | Buffer)[] {
  const out = join(work, 'out');
  switch (input.target) {
    case 'container':
      return ['decrypt', input.path, '--key', corpus.keyPath, '--out', out, '--force'];
    case 'image':
    case 'dicom':
      return ['encrypt', input.path, '--key', corpus.keyPath, '--condition', 'xor', '--out', out, '--force'];
    case 'key':
      return ['decrypt', corpus.validContainer, '--key', input.path, '--out', out, '--force'];
    case 'passphrase':
      return [
        'decrypt',
        corpus.protectedContainer,
        '--key',
        corpus.protectedKeyPath,
        '--passphrase-file',
        input.path,
        '--out',
        out,
        '--force',
      ];
    default:
      throw new Error(`no CLI entry point for ${input.target}`);
  }
}

function entryPoints(input: HostileInput): { via: Outcome['via']; run: () => Promise<string> }[] {
  const runs: { via: Outcome['via']; run: () => Promise<string> }[] = [];
  if (input.target === 'idx') {
    runs.push({ via: 'core', run: () => viaCore(() => readIdxFile(String(input.path))) });
  } else if (input.target === 'tar') {
    runs.push({
      via: 'core',
      run: () =>
        viaCore(async () => {
          for await (const entry of readTarGzFile(String(input.path))) void entry;
        }),
    });
  } else {
    runs.push({ via: 'cli', run: () => viaCli(cliArgs(input)) });
  }
  if (input.api && typeof input.path === 'string') {
    const path = input.path;
    const name = path.slice(path.lastIndexOf('/') + 1).slice(0, 200) || 'x';
    const operation = input.target === 'container' ? 'previewDecrypt' : 'previewCipher';
    runs.push({ via: 'api', run: () => api(operation, { source: { kind: 'path', path } }) });
    if (input.cls !== 'special-files') {
      runs.push({
        via: 'api',
        run: async () =>
          api(operation, {
            source: { kind: 'upload', name, dataBase64: (await readFile(path)).toString('base64') },
          }),
      });
    }
  }
  return runs;
}

function timeout(ms: number): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve('TIMEOUT'), ms).unref());
}

describe('hostile inputs', () => {
  it('every input ends in success or a clear error code, within the time, memory and event-loop budget', async () => {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = Date.now();
    // Classes on the pending list run last, so the garbage their large images leave (and the GC pauses it
    // causes later) is not charged to the classes that are within budget.
    const ordered = [
      ...corpus.inputs.filter((input) => !PENDING_OVER_BUDGET[input.cls]),
      ...corpus.inputs.filter((input) => PENDING_OVER_BUDGET[input.cls]),
    ];
    let gcMs = 0;
    const gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcMs = Math.max(gcMs, entry.duration);
    });
    gc.observe({ entryTypes: ['gc'] });
    for (const input of ordered) {
      for (const entry of entryPoints(input)) {
        const measure = async (): Promise<Outcome> => {
          loop.reset();
          gcMs = 0;
          const t0 = performance.now();
          const result = await Promise.race([entry.run(), timeout(BUDGET.perInputMs)]);
          const ms = performance.now() - t0;
          return {
            cls: input.cls,
            target: input.target,
            via: entry.via,
            input: String(input.path).slice(work.length),
            result,
            ms,
            stallMs: loop.max / 1e6,
            gcMs,
            rss: process.memoryUsage.rss(),
          };
        };
        let outcome = await measure();
        // On a shared machine (load 8-10 on 2 cores while this was written) the OS can deschedule the process
        // for hundreds of ms: a time or stall spike is measured again, twice. A real stall comes back every
        // time and stays a violation; a spike that does not is listed in the report as `retried`.
        for (let retry = 0; retry < 2 && overBudget(outcome).length > 0; retry++) {
          const again = await measure();
          retried.push({ first: outcome, again });
          outcome = again;
        }
        outcomes.push(outcome);
      }
    }
    runMs = Date.now() - started;
    loop.disable();
    gc.disconnect();

    const report = summarise();
    await mkdir('test-results', { recursive: true });
    await writeFile('test-results/hostile-report.json', `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${formatReport(report)}\n`);

    expect(corpus.inputs.length).toBeGreaterThanOrEqual(scale >= 1 ? 10_000 : 0);
    expect(report.unclear, 'inputs that ended without a clear CipherLensError code').toEqual([]);
    expect(report.violations, 'budget violations outside the pending list').toEqual([]);
    expect(runMs + generationMs).toBeLessThan(BUDGET.totalMs);
  }, 900_000);
});

function summarise() {
  const byClass: Record<
    string,
    {
      runs: number;
      results: Record<string, number>;
      maxMs: number;
      maxStallMs: number;
      maxGcMs: number;
      maxRssMb: number;
    }
  > = {};
  const unclear: Outcome[] = [];
  const violations: (Outcome & { budget: string })[] = [];
  const pending: (Outcome & { budget: string })[] = [];
  for (const outcome of outcomes) {
    const entry = (byClass[outcome.cls] ??= {
      runs: 0,
      results: {},
      maxMs: 0,
      maxStallMs: 0,
      maxGcMs: 0,
      maxRssMb: 0,
    });
    entry.runs++;
    const key = outcome.result.startsWith('UNCODED') ? 'UNCODED' : outcome.result;
    entry.results[key] = (entry.results[key] ?? 0) + 1;
    entry.maxMs = Math.max(entry.maxMs, Math.round(outcome.ms));
    entry.maxStallMs = Math.max(entry.maxStallMs, Math.round(outcome.stallMs));
    entry.maxGcMs = Math.max(entry.maxGcMs, Math.round(outcome.gcMs));
    entry.maxRssMb = Math.max(entry.maxRssMb, Math.round(outcome.rss / 1024 / 1024));
    if (outcome.result !== 'ok' && !/^[A-Z_]+(\+[A-Z_]+)*$/.test(outcome.result)) unclear.push(outcome);
    else if (/(^|\+)INTERNAL(\+|$)/.test(outcome.result) || outcome.result === 'TIMEOUT')
      unclear.push(outcome);
    for (const budget of overBudget(outcome)) {
      if (PENDING_OVER_BUDGET[outcome.cls]?.budget === budget) pending.push({ ...outcome, budget });
      else violations.push({ ...outcome, budget });
    }
  }
  const backWithinBudget = Object.keys(PENDING_OVER_BUDGET).filter(
    (cls) => byClass[cls] && !pending.some((outcome) => outcome.cls === cls),
  );
  return {
    inputs: corpus.inputs.length,
    runs: outcomes.length,
    scale,
    generationMs,
    runMs,
    budget: BUDGET,
    maxMs: Math.round(Math.max(...outcomes.map((o) => o.ms))),
    maxStallMs: Math.round(Math.max(...outcomes.map((o) => o.stallMs))),
    maxRssMb: Math.round(Math.max(...outcomes.map((o) => o.rss)) / 1024 / 1024),
    byClass,
    unclear,
    violations,
    pendingList: PENDING_OVER_BUDGET,
    pendingViolations: pending,
    pendingBackWithinBudget: backWithinBudget,
    retried: retried.map(({ first, again }) => ({
      cls: first.cls,
      input: first.input,
      first: { ms: Math.round(first.ms), stallMs: Math.round(first.stallMs), gcMs: Math.round(first.gcMs) },
      again: { ms: Math.round(again.ms), stallMs: Math.round(again.stallMs), gcMs: Math.round(again.gcMs) },
    })),
  };
}

function formatReport(report: ReturnType<typeof summarise>): string {
  const lines = [
    `hostile inputs: ${report.inputs} inputs, ${report.runs} runs (scale ${report.scale}); generated in ${report.generationMs} ms, run in ${report.runMs} ms`,
    `max per run ${report.maxMs} ms, max event-loop stall ${report.maxStallMs} ms, max RSS ${report.maxRssMb} MB`,
  ];
  for (const [cls, entry] of Object.entries(report.byClass)) {
    const results = Object.entries(entry.results)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ');
    lines.push(
      `  ${cls.padEnd(26)} ${String(entry.runs).padStart(5)} runs  max ${entry.maxMs} ms, stall ${entry.maxStallMs} ms (gc ${entry.maxGcMs}), rss ${entry.maxRssMb} MB  [${results}]`,
    );
  }
  lines.push(
    `unclear: ${report.unclear.length}; violations: ${report.violations.length}; spikes measured again: ${report.retried.length} (${report.retried.map((r) => `${r.cls} stall ${r.first.stallMs}→${r.again.stallMs} ms`).join(', ') || 'none'})`,
  );
  lines.push(
    `pending (over budget, not asserted): ${report.pendingViolations.map((v) => `${v.cls} ${v.budget} ${Math.round(v.budget === 'loopStallMs' ? v.stallMs : v.ms)} ms`).join('; ') || 'none'}`,
  );
  if (report.pendingBackWithinBudget.length > 0) {
    lines.push(
      `pending classes now within budget (remove from PENDING_OVER_BUDGET): ${report.pendingBackWithinBudget.join(', ')}`,
    );
  }
  return lines.join('\n');
}
