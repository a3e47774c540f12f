import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { sealCiphertext } from '../../core/crypto/container.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../../core/errors.js';
import { openVectorStore } from '../../core/retrieval/open-vector-store.js';
import {
  conversionWithWindow,
  openDicomSidecar,
  rewindowedInput,
  windowFor,
  windowFrame,
  type DicomSidecar,
} from '../../core/workspace/dicom-sidecar.js';
import type { ItemRecord } from '../../core/workspace/item-record.js';
import type { DicomDetails, LibraryDicomResponse } from '../../shared/dicom.js';
import type { BackendContext } from '../context.js';
import { readEvaluation, writeEvaluation } from '../evaluation-store.js';
import { toLibraryItem } from '../library-items.js';
import type { HandlerGroup } from './types.js';

/**
 * The last opened sidecars of one back end, decrypted, in memory only (never on disk): a drag in the window
 * dialog asks for a preview many times a second, and opening means reading, authenticating and inflating up to
 * 128 MiB. Keyed by workspace, item, sidecar file and key, so a rotation or a switched workspace never hits.
 */
const OPENED_LIMIT = 2;
type OpenedSidecars = Map<string, Promise<DicomSidecar>>;

function openedSidecar(
  opened: OpenedSidecars,
  context: BackendContext,
  record: ItemRecord,
  key: CipherKey,
): Promise<DicomSidecar> {
  const cacheKey = `${context.workspace.path}|${record.id}|${record.sidecar}|${key.fingerprint}`;
  let sidecar = opened.get(cacheKey);
  if (!sidecar) {
    sidecar = context.workspace.readSidecar(record.id).then((bytes) => {
      if (!bytes) throw new CipherLensError('NOT_FOUND', `image ${record.name} has no DICOM details`);
      return openDicomSidecar(key, record.id, bytes, `the DICOM details of image ${record.name}`);
    });
    sidecar.catch(() => opened.delete(cacheKey));
    if (opened.size >= OPENED_LIMIT) opened.delete(opened.keys().next().value as string);
    opened.set(cacheKey, sidecar);
  }
  return sidecar;
}

/** The item and the key it opens with, or why the details cannot be shown. */
function keyHolder(context: BackendContext, id: string): { record: ItemRecord; key: CipherKey } {
  const record = context.workspace.require(id);
  if (!record.sidecar) {
    throw new CipherLensError(
      'NOT_FOUND',
      `image ${record.name} was not imported from DICOM: it has no DICOM details`,
    );
  }
  const key = context.activeKeyOrNull();
  if (!key || key.fingerprint !== record.keyFingerprint) {
    throw new CipherLensError(
      'WRONG_KEY',
      `the DICOM details of image ${record.name} are encrypted with key ${record.keyFingerprint}; select that key in Settings → Keys to open them`,
    );
  }
  return { record, key };
}

const usedWindow = (window: {
  center: number;
  width: number;
  source: 'file' | 'auto' | 'chosen' | 'none';
  function?: 'LINEAR' | 'LINEAR_EXACT' | undefined;
}) => ({
  center: window.center,
  width: window.width,
  source: window.source,
  function: window.function ?? null,
});

function detailsOf(record: ItemRecord, sidecar: DicomSidecar): DicomDetails {
  const { details, modality } = sidecar;
  const { metadata } = details;
  let min = Infinity;
  let max = -Infinity;
  for (const value of modality) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return {
    fileName: details.file.name,
    fileSource: details.file.source,
    patientName: metadata.patientName,
    patientId: metadata.patientId,
    studyDate: metadata.studyDate,
    studyDescription: metadata.studyDescription,
    seriesDescription: metadata.seriesDescription,
    seriesInstanceUid: metadata.seriesInstanceUid,
    studyInstanceUid: metadata.studyInstanceUid,
    sopInstanceUid: metadata.sopInstanceUid,
    modality: metadata.modality,
    bodyPart: metadata.bodyPart,
    rows: metadata.rows,
    columns: metadata.columns,
    bitsStored: metadata.bitsStored,
    frames: metadata.frames,
    photometric: details.frame.photometric,
    windowPresets: metadata.windowPresets.map((preset) => ({
      center: preset.center,
      width: preset.width,
      explanation: preset.explanation ?? null,
    })),
    importWindow: usedWindow(details.importWindow),
    currentWindow: usedWindow(record.window ?? details.importWindow),
    valueRange: { min, max },
  };
}

/** Failures that say the sidecar itself is bad: shown as damage, not as a failed call. */
const DAMAGE: ReadonlySet<string> = new Set([
  'TRUNCATED',
  'BAD_FORMAT',
  'INTEGRITY',
  'NOT_FOUND',
  'TOO_LARGE',
]);

/** A grey frame as a PNG data URL, scaled down (never up) so its longer side is at most `maxSide`. */
async function previewPng(
  grey: Uint8Array,
  width: number,
  height: number,
  maxSide: number,
): Promise<{ png: string; width: number; height: number }> {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const outWidth = Math.max(1, Math.round(width * scale));
  const outHeight = Math.max(1, Math.round(height * scale));
  let image = sharp(grey, { raw: { width, height, channels: 1 } });
  if (scale < 1) image = image.resize(outWidth, outHeight, { fit: 'fill', kernel: 'lanczos3' });
  const png = await image.toColourspace('b-w').png().toBuffer();
  return { png: `data:image/png;base64,${png.toString('base64')}`, width: outWidth, height: outHeight };
}

/**
 * Removes the item from every embeddings index of its key, so that the next refresh embeds its new input:
 * index files in the workspace (closed first where the back end holds them open) and, when the retrieval
 * backend is a pgvector server, the active model's table. Returns the files/tables it was removed from.
 */
async function forgetEmbeddings(context: BackendContext, record: ItemRecord): Promise<string[]> {
  const updated: string[] = [];
  const folder = context.workspace.layout.indexes;
  let names: string[] = [];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of names.filter((n) => n.endsWith(`--${record.keyFingerprint}.clvs`)).sort()) {
    const path = join(folder, name);
    await context.retrieval.forget([path]);
    const store = await openVectorStore({ kind: 'exact', path });
    try {
      if ((await store.remove([record.id])) > 0) {
        await store.save();
        updated.push(name);
      }
    } finally {
      await store.close();
    }
  }
  if (context.settings.get().retrievalStore === 'pgvector') {
    const model = await context.activeModelOrNull();
    if (model) {
      const engine = await context.engine();
      const store = await context.retrieval.open(engine, record.keyFingerprint);
      if ((await store.remove([record.id])) > 0) {
        await store.save();
        updated.push(`pgvector ${engine.card.id}`);
      }
    }
  }
  return updated;
}

/** Marks the stored evaluation when it included the item: its numbers came from the old input. */
async function markEvaluation(context: BackendContext, id: string): Promise<boolean> {
  const stored = await readEvaluation(context.workspace);
  if (!stored || !stored.assignments.some((assignment) => assignment.id === id)) return false;
  const changed = new Set(stored.report.changedItems ?? []);
  changed.add(id);
  await writeEvaluation(context.workspace, {
    ...stored,
    report: { ...stored.report, changedItems: [...changed].sort() },
  });
  return true;
}

export function dicomHandlers(
  context: BackendContext,
): HandlerGroup<'libraryDicom' | 'libraryDicomPreview' | 'libraryDicomApply'> {
  const opened: OpenedSidecars = new Map();
  return {
    async libraryDicom(request): Promise<LibraryDicomResponse> {
      const record = context.workspace.require(request.id);
      const none = { id: record.id, details: null, damage: null };
      if (!record.sidecar) return { ...none, hasDetails: false, canDecrypt: false };
      const key = context.activeKeyOrNull();
      if (!key || key.fingerprint !== record.keyFingerprint) {
        return { ...none, hasDetails: true, canDecrypt: false };
      }
      try {
        const sidecar = await openedSidecar(opened, context, record, key);
        return { ...none, hasDetails: true, canDecrypt: true, details: detailsOf(record, sidecar) };
      } catch (error) {
        if (!(isCipherLensError(error) && DAMAGE.has(error.code))) throw error;
        return { ...none, hasDetails: true, canDecrypt: false, damage: describeError(error) };
      }
    },

    async libraryDicomPreview(request) {
      const { record, key } = keyHolder(context, request.id);
      const sidecar = await openedSidecar(opened, context, record, key);
      const { width, height } = sidecar.details.frame;
      const grey = windowFrame(sidecar, request.window);
      const preview = await previewPng(grey, width, height, request.maxSide);
      return { id: record.id, window: usedWindow(windowFor(sidecar, request.window)), ...preview };
    },

    async libraryDicomApply(request) {
      context.rekey.refuseWhileRunning('re-window an image');
      const running = context.jobs.running();
      if (running.length > 0) {
        // Imports, classification, index builds and evaluations read the very inputs this rewrites.
        throw new CipherLensError(
          'BAD_INPUT',
          `cannot re-derive a model input while ${running.length} job(s) run (${running.map((job) => job.kind).join(', ')}): wait or cancel them first`,
        );
      }
      const { record, key } = keyHolder(context, request.id);
      const sidecar = await openedSidecar(opened, context, record, key);
      const used = windowFor(sidecar, request.window);
      const pixels = await rewindowedInput(sidecar, request.window, record.size);
      // Large inputs are encrypted off the event loop, as imports are.
      const ciphertext = await context.cipher.encrypt(key, record.condition, record.size, pixels);
      const updated = await context.workspace.replaceContainer(
        record.id,
        {
          keyFingerprint: key.fingerprint,
          seal: (binding) => sealCiphertext(key, record.condition, record.size, ciphertext, {}, binding),
        },
        { keyFingerprint: key.fingerprint },
        {
          patch: {
            conversion: conversionWithWindow(record.conversion, used),
            window: used,
            // Made from the old pixels: no longer this image's.
            prediction: null,
          },
        },
      );
      const indexesUpdated = await forgetEmbeddings(context, updated);
      const evaluationStale = await markEvaluation(context, updated.id);
      return { item: await toLibraryItem(context, updated), indexesUpdated, evaluationStale };
    },
  };
}
