import { runAttackDemoOffLoop } from '../../core/attacks/demo-pool.js';
import type { AttackDemoResult } from '../../core/attacks/demo.js';
import { renderImageGrid } from '../../core/attacks/grid.js';
import { loadAttackImages } from '../../core/attacks/image-sets.js';
import type { ImageBatch } from '../../core/attacks/recovered.js';
import { CONDITION_REGISTRY, usesPermutation } from '../../core/crypto/condition.js';
import { CipherLensError } from '../../core/errors.js';
import type { ItemRecord } from '../../core/workspace/item-record.js';
import type { SecurityAttacksResult } from '../../shared/attacks.js';
import type { ParsedRequest } from '../../shared/operations.js';
import type { BackendContext } from '../context.js';
import type { JobContext } from '../jobs.js';
import { decryptItem } from '../sources.js';
import type { HandlerGroup } from './types.js';

type Request = ParsedRequest<'securityAttacks'>;

/** Public plain images the ciphertext-only attack may use (orientation and the global XOR byte). */
const REFERENCE = 200;
/** Originals, ciphertexts and recoveries shown per row of the grid. */
const GRID_COLUMNS = 8;

interface Sample {
  description: string;
  images: ImageBatch;
  reference: ImageBatch | null;
}

function batchOf(images: readonly Uint8Array[], size: number): ImageBatch {
  const pixels = new Uint8Array(images.length * size * size);
  images.forEach((image, index) => pixels.set(image, index * size * size));
  return { size, count: images.length, pixels };
}

/**
 * The workspace's images of the active key, at the size most of them have. They are decrypted here because the
 * attacks are scored against the plain images; the attacks themselves see only ciphertexts (and, for the
 * known-plaintext attack, the pairs it is given). A fifth of them, at most 200, are set aside as the
 * ciphertext-only attack's "public" reference images.
 */
async function workspaceSample(context: BackendContext, request: Request, job: JobContext): Promise<Sample> {
  const fingerprint = context.activeKey().fingerprint;
  const bySize = new Map<number, ItemRecord[]>();
  for (const record of context.workspace.list()) {
    if (record.keyFingerprint !== fingerprint) continue;
    bySize.set(record.size, [...(bySize.get(record.size) ?? []), record]);
  }
  const [size, records] = [...bySize.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [0, []];
  if (records.length < 4) {
    throw new CipherLensError(
      'NOT_FOUND',
      `the workspace holds ${records.length} image${records.length === 1 ? '' : 's'} of the active key at one size; the attacks need at least 4. Import a dataset sample, or attack a built-in dataset sample instead`,
    );
  }
  const reference = records.length >= 20 ? Math.min(REFERENCE, Math.floor(records.length / 5)) : 0;
  const attacked = Math.min(request.count, records.length - reference);
  const chosen = [...records.slice(0, attacked), ...records.slice(records.length - reference)];
  const plain: Uint8Array[] = [];
  for (const record of chosen) {
    if (job.signal.aborted) throw new CipherLensError('CANCELLED', 'the attack demonstration was cancelled');
    plain.push(await decryptItem(context, record));
    job.progress(plain.length, chosen.length + 1, `reading ${plain.length} of ${chosen.length} images`);
  }
  const stored = new Set(chosen.slice(0, attacked).map((r) => r.condition));
  const reencrypted =
    stored.size === 1 && stored.has(request.condition)
      ? ''
      : ` (stored as ${[...stored].join(', ')}; encrypted again with ${request.condition} for this run)`;
  return {
    description: `${attacked} workspace images of key ${fingerprint} at ${size}×${size}${reencrypted}; reference: ${reference === 0 ? 'none' : `${reference} other workspace images`}`,
    images: batchOf(plain.slice(0, attacked), size),
    reference: reference > 0 ? batchOf(plain.slice(attacked), size) : null,
  };
}

async function datasetSample(context: BackendContext, request: Request, job: JobContext): Promise<Sample> {
  if (context.options.dataDir === null) {
    throw new CipherLensError(
      'NOT_FOUND',
      'no dataset folder was found (set CIPHERLENS_DATA, or attack the workspace sample instead)',
    );
  }
  job.progress(0, 1, `reading ${request.count} ${request.source} images`);
  const loaded = await loadAttackImages(request.source, {
    dataDir: context.options.dataDir,
    count: request.count,
    reference: REFERENCE,
    seed: 1,
  });
  return { description: loaded.description, images: loaded.attacked, reference: loaded.reference };
}

async function gridPng(result: AttackDemoResult, title: string): Promise<string> {
  const png = await renderImageGrid(
    [
      {
        title,
        size: result.size,
        rows: [
          { label: 'original', images: result.grid.originals },
          { label: `ciphertext\n(${result.condition})`, images: result.grid.ciphertexts },
          ...result.grid.recovered.map((r) => {
            const row = result.ciphertextOnly.rows.find((x) => x.ciphertexts === r.count)!;
            return {
              label: `recovered from ${r.count}\nciphertexts: ${(row.recovery.pixelsExact * 100).toFixed(1)} %\nof pixels exact`,
              images: r.pixels,
            };
          }),
        ],
      },
    ],
    GRID_COLUMNS,
  );
  return `data:image/png;base64,${png.toString('base64')}`;
}

export function attackHandlers(context: BackendContext): HandlerGroup<'securityAttacks'> {
  return {
    async securityAttacks(request) {
      if (!usesPermutation(request.condition)) {
        throw new CipherLensError(
          'BAD_INPUT',
          `the attacks recover a permutation; "${request.condition}" (${CONDITION_REGISTRY[request.condition].label}) does not permute`,
        );
      }
      const key = context.activeKey();
      const jobId = context.jobs.start('security-attacks', async (job) => {
        const sample =
          request.source === 'workspace'
            ? await workspaceSample(context, request, job)
            : await datasetSample(context, request, job);
        job.progress(
          0,
          1,
          `attacking ${sample.images.count} ${sample.images.size}×${sample.images.size} images`,
        );
        const result = await runAttackDemoOffLoop(
          {
            keyBytes: key.bytes,
            condition: request.condition,
            images: sample.images,
            reference: sample.reference,
            keepImages: GRID_COLUMNS,
          },
          job.signal,
        );
        if (job.signal.aborted)
          throw new CipherLensError('CANCELLED', 'the attack demonstration was cancelled');
        const kp = result.knownPlaintext;
        const response: SecurityAttacksResult = {
          source: request.source,
          description: sample.description,
          keyFingerprint: key.fingerprint,
          condition: request.condition,
          permutation: result.permutation,
          size: result.size,
          images: result.images,
          reference: sample.reference?.count ?? 0,
          keyspace: result.keyspace,
          knownPlaintext: {
            targets: kp.targets,
            rows: kp.rows.map((row) => ({ ...row })),
            kNeeded: kp.kNeeded,
            kAllTargetsExact: kp.kAllTargetsExact,
          },
          ciphertextOnly: {
            rows: result.ciphertextOnly.rows.map((row) => ({
              ciphertexts: row.ciphertexts,
              ms: row.ms,
              keystreamCorrect: row.keystreamCorrect,
              gatherCorrect: row.gatherCorrect,
              permutation: row.permutation,
              recovery: row.recovery,
            })),
          },
          grid: await gridPng(
            result,
            `Demonstration: ciphertext-only attack on ${sample.images.count} images of key ${key.fingerprint} (${request.condition})`,
          ),
          ms: result.ms,
        };
        return response;
      });
      return { jobId };
    },
  };
}
