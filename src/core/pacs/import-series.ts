import { CipherLensError, isCipherLensError } from '../errors.js';
import { bytesImportInput } from '../workspace/import-inputs.js';
import {
  importImages,
  type ImportInput,
  type ImportOutcome,
  type ImportSettings,
} from '../workspace/importer.js';
import type { Workspace } from '../workspace/workspace.js';
import type { DicomWebClient, SeriesSummary } from './client.js';
import { instanceIdentity } from './instance-identity.js';
import { checkUid } from './query.js';

export interface PacsSelection {
  studyInstanceUid: string;
  /** The series to import; each is listed (QIDO-RS) and its instances retrieved one by one (WADO-RS). */
  seriesInstanceUids: readonly string[];
}

export interface PacsImportSettings extends Omit<ImportSettings, 'signal' | 'onProgress'> {
  /** How each instance becomes the stored square image (the same options as a file import). */
  decodeOptions: Parameters<typeof bytesImportInput>[3];
  label: string | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

/** Words for where the items came from; starts with "PACS" so the library can filter on it. Never names a patient. */
export const pacsSource = (client: DicomWebClient): string => `PACS ${client.origin}`;

/** Failures that stop the whole import: every further request would fail the same way. */
const isFatal = (error: unknown): boolean =>
  isCipherLensError(error) &&
  (error.code === 'REMOTE_AUTH' || error.code === 'REMOTE_UNREACHABLE' || error.code === 'CANCELLED');

/**
 * Imports the chosen series of one study into the workspace through the same pipeline as files (decode → encrypt
 * → store). Resumable by running it again: each instance is recognised by a keyed hash of its SOP Instance UID
 * (instance-identity.ts) before it is downloaded, so what an earlier, cancelled or failed run stored is skipped
 * and not fetched again. Item names say modality, series and instance numbers, never patient data.
 *
 * Instances are retrieved one request each rather than as one series stream, so that skipping needs no download
 * and a bad instance costs only itself. A lost connection or refused credentials stop the import (REMOTE_*),
 * keeping what was stored; an instance the server cannot deliver, or one too large, is skipped with its reason.
 */
export async function importPacsSeries(
  workspace: Workspace,
  client: DicomWebClient,
  selection: PacsSelection,
  settings: PacsImportSettings,
): Promise<ImportOutcome> {
  const study = checkUid(selection.studyInstanceUid, 'study UID');
  const wanted = [...new Set(selection.seriesInstanceUids.map((uid) => checkUid(uid, 'series UID')))];
  if (wanted.length === 0) throw new CipherLensError('BAD_INPUT', 'choose at least one series to import');
  const { signal, onProgress, decodeOptions, label, ...importSettings } = settings;

  onProgress?.(0, 0, 'listing the series');
  const series = new Map<string, SeriesSummary>();
  for (const entry of await client.listSeries(study, signal)) series.set(entry.seriesInstanceUid, entry);
  const missing = wanted.filter((uid) => !series.has(uid));
  if (missing.length > 0) {
    throw new CipherLensError(
      'NOT_FOUND',
      `${missing.length} of the chosen series ${missing.length === 1 ? 'is' : 'are'} not in this study on the PACS (any more)`,
    );
  }

  // A fatal failure inside one instance's download stops importImages at the next instance.
  const stop = new AbortController();
  let fatal: unknown = null;
  const importSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;

  const inputs: ImportInput[] = [];
  for (const [index, seriesUid] of wanted.entries()) {
    onProgress?.(index, wanted.length, `listing the images of series ${index + 1} of ${wanted.length}`);
    const info = series.get(seriesUid)!;
    const instances = await client.listInstances(study, seriesUid, signal);
    for (const [position, instance] of instances.entries()) {
      const name = `${info.modality ?? 'DICOM'} series ${info.seriesNumber ?? index + 1} image ${instance.instanceNumber ?? position + 1}`;
      inputs.push({
        name,
        source: pacsSource(client),
        // Modality, series and instance numbers and the PACS host say nothing about the patient.
        neutralName: true,
        label,
        identify: async () => instanceIdentity(importSettings.key, instance.sopInstanceUid),
        decode: async () => {
          let bytes: Uint8Array;
          try {
            bytes = await client.retrieveInstance(study, seriesUid, instance.sopInstanceUid, importSignal);
          } catch (error) {
            if (isFatal(error) && !fatal) {
              fatal = error;
              stop.abort();
            }
            throw error;
          }
          return bytesImportInput(`${name}.dcm`, bytes, label, decodeOptions).decode();
        },
      });
    }
  }

  try {
    const outcome = await importImages(workspace, inputs, {
      ...importSettings,
      signal: importSignal,
      ...(onProgress ? { onProgress } : {}),
    });
    if (fatal) throw fatal;
    return outcome;
  } catch (error) {
    if (fatal && !(signal?.aborted ?? false)) throw fatal;
    throw error;
  }
}
