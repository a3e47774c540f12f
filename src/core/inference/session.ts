import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { CipherLensError, describeError, isCipherLensError } from '../errors.js';
import { readRegularFile } from '../fs/read.js';
import type { ModelCard } from './model-card.js';
import {
  detectProviders,
  planProviders,
  type ExecutionProvider,
  type ProviderDetection,
  type ProviderPreference,
} from './providers.js';

export type Logger = (message: string) => void;
export const stderrLogger: Logger = (message) => process.stderr.write(`cipherlens: ${message}\n`);

export type SessionFactory = (
  model: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
) => Promise<ort.InferenceSession>;

const createOrtSession: SessionFactory = (model, options) => ort.InferenceSession.create(model, options);

export interface SessionSettings {
  provider?: ProviderPreference;
  /** intraOpNumThreads; default: every core this process may use. */
  threads?: number;
  log?: Logger;
  /** Injected by tests (and by hosts that already detected the hardware). */
  detection?: ProviderDetection;
  createSession?: SessionFactory;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  /** The provider the session was actually created with. */
  provider: ExecutionProvider;
  threads: number;
  /** Providers that were tried first and failed, with the reason. */
  fallbacks: { provider: ExecutionProvider; error: string }[];
}

export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new CipherLensError('BAD_INPUT', `threads must be an integer from 1 to 256, got ${threads}`);
  }
  return threads;
}

/** Tries each planned provider in turn; a provider that fails to initialise is logged and CPU takes over. */
export async function openSession(model: Uint8Array, settings: SessionSettings = {}): Promise<OpenedSession> {
  const threads = resolveThreads(settings.threads);
  const log = settings.log ?? stderrLogger;
  const plan = planProviders(settings.provider ?? 'auto', settings.detection ?? detectProviders());
  const create = settings.createSession ?? createOrtSession;
  const fallbacks: OpenedSession['fallbacks'] = [];
  for (const provider of plan) {
    try {
      const session = await create(model, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      return { session, provider, threads, fallbacks };
    } catch (error) {
      const reason = describeError(error);
      fallbacks.push({ provider, error: reason });
      const next = plan[plan.indexOf(provider) + 1];
      if (next)
        log(`execution provider ${provider} failed to initialise (${reason}); falling back to ${next}`);
    }
  }
  throw new CipherLensError(
    'DEPENDENCY_MISSING',
    `ONNX Runtime could not create a session with any provider: ${fallbacks.map((f) => `${f.provider}: ${f.error}`).join('; ')}`,
  );
}

/** Largest ONNX file opened (the shipped ones are ≤ 8.5 MB; the cap only keeps a device or a runaway file out). */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/**
 * The model's ONNX bytes: the in-memory graph of a transformed model, else the file the card names; refused
 * when their SHA-256 differs from the card's.
 */
export async function readModelBytes(
  onnxPath: string,
  card: ModelCard,
  inMemory?: Uint8Array,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = inMemory ?? (await readRegularFile(onnxPath, MAX_MODEL_BYTES, { what: `model ${onnxPath}` }));
  } catch (error) {
    if (isCipherLensError(error) && error.code !== 'INTERNAL') throw error;
    throw new CipherLensError('NOT_FOUND', `cannot read model ${onnxPath}: ${(error as Error).message}`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== card.onnx.sha256) {
    throw new CipherLensError(
      'INTEGRITY',
      `model ${onnxPath} does not match its card ${card.id} (sha256 ${digest.slice(0, 12)}…, card says ${card.onnx.sha256.slice(0, 12)}…)`,
    );
  }
  return bytes;
}

type TensorMetadata = ort.InferenceSession.ValueMetadata & {
  type?: string;
  shape?: readonly (number | string)[];
};

function describeShape(shape: readonly (number | string)[] | undefined): string {
  return `[${(shape ?? []).join(', ')}]`;
}

function expectTensor(
  list: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
  type: string,
  fixed: (number | null)[],
  cardId: string,
): void {
  const meta = list.find((m) => m.name === name) as TensorMetadata | undefined;
  if (!meta) throw new CipherLensError('MODEL_MISMATCH', `model ${cardId} has no "${name}" tensor`);
  const shape = meta.shape ?? [];
  const shapeOk =
    shape.length === fixed.length &&
    fixed.every((dim, i) => dim === null || typeof shape[i] === 'string' || shape[i] === dim);
  if (meta.type !== type || !shapeOk) {
    throw new CipherLensError(
      'MODEL_MISMATCH',
      `model ${cardId}: "${name}" is ${meta.type ?? '?'} ${describeShape(shape)}, expected ${type} [${fixed.map((d) => d ?? 'batch').join(', ')}]`,
    );
  }
}

/** The ONNX graph must have the contract its card promises: uint8 image in, logits and embedding out. */
export function checkSessionContract(session: ort.InferenceSession, card: ModelCard): void {
  const size = card.inputSize;
  expectTensor(session.inputMetadata, 'image', 'uint8', [null, 1, size, size], card.id);
  expectTensor(session.outputMetadata, 'logits', 'float32', [null, card.classes.length], card.id);
  expectTensor(session.outputMetadata, 'embedding', 'float32', [null, card.embeddingDim], card.id);
}
