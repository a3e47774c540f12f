import { createHash, createHmac } from 'node:crypto';
import { createImageCipher } from '../crypto/cipher.js';
import type { OffLoopCipher } from '../crypto/cipher-pool.js';
import { sealCiphertext } from '../crypto/container.js';
import { deriveSubkey } from '../crypto/subkeys.js';
import type { Condition } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../errors.js';
import type { DecodedGreyImage, FitMode } from '../image/decode.js';
import type { DicomModalityImage } from '../image/dicom-metadata.js';
import { dicomSidecarOf, sealDicomSidecar } from './dicom-sidecar.js';
import type { NewItemRecord } from './item-record.js';
import type { SealSidecar, Workspace } from './workspace.js';

/** One thing to import. `identify` is cheap (a hash or an index) so a resumed import skips before decoding. */
export interface ImportInput {
  name: string;
  /** Where it comes from, in words (kept with the item). */
  source: string;
  label: string | null;
  /**
   * The name and source say nothing about the patient (e.g. "CT series 3 image 12" from a PACS): kept in the
   * record as they are. Otherwise a DICOM item's record gets a neutral name and source (see importImages).
   */
  neutralName?: boolean;
  identify(): Promise<string>;
  /** DICOM decodes also bring the modality values and header fields (core/image/read-image.ts). */
  decode(): Promise<DecodedGreyImage & { dicom?: DicomModalityImage | null }>;
}

export interface ImportSettings {
  key: CipherKey;
  /** How images are stored at rest. */
  condition: Condition;
  /** Describes the conversion options: the same file imported at another size is another item. */
  conversionTag: string;
  /** How non-square images were made square (kept with a DICOM item, so a re-windowed input is made alike). */
  fit?: FitMode;
  /** Large images are encrypted off the event loop through it (the back end's); default: in place. */
  cipher?: Pick<OffLoopCipher, 'encrypt'>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface ImportOutcome {
  imported: string[];
  skipped: { name: string; code: string; reason: string }[];
  alreadyPresent: number;
  /** Inputs whose decoded picture is already stored from another file (counted in alreadyPresent too). */
  duplicates: { name: string; existingId: string; existingName: string }[];
}

/**
 * Decodes, encrypts and stores each input. A bad file is skipped with its reason; a failing write (disk
 * full, permissions) stops the import, keeping everything stored so far. Cancellation stops between images.
 */
export async function importImages(
  workspace: Workspace,
  inputs: readonly ImportInput[],
  settings: ImportSettings,
): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { imported: [], skipped: [], alreadyPresent: 0, duplicates: [] };
  const total = inputs.length;
  for (const [index, input] of inputs.entries()) {
    if (settings.signal?.aborted) {
      throw new CipherLensError('CANCELLED', `import cancelled after ${index} of ${total} images`);
    }
    settings.onProgress?.(index, total, input.name);
    let sourceKey: string;
    let image: DecodedGreyImage & { dicom?: DicomModalityImage | null };
    let ciphertext: Uint8Array;
    let contentKey: string;
    try {
      const identity = await input.identify();
      sourceKey = importKey(identity, settings);
      if (
        workspace.findBySourceKey(sourceKey) ||
        workspace.findBySourceKey(legacyImportKey(identity, settings))
      ) {
        outcome.alreadyPresent++;
        continue;
      }
      image = await input.decode();
      contentKey = pixelsKey(image, settings);
      const same = workspace.findByContentKey(contentKey);
      if (same) {
        outcome.alreadyPresent++;
        outcome.duplicates.push({ name: input.name, existingId: same.id, existingName: same.name });
        continue;
      }
      ciphertext = settings.cipher
        ? await settings.cipher.encrypt(settings.key, settings.condition, image.width, image.pixels)
        : createImageCipher(settings.key, settings.condition, image.width).encrypt(image.pixels);
    } catch (error) {
      outcome.skipped.push({
        name: input.name,
        code: isCipherLensError(error) ? error.code : 'IMAGE_DECODE',
        reason: describeError(error),
      });
      continue;
    }
    const fields: NewItemRecord = {
      name: input.name,
      label: input.label,
      size: image.width,
      condition: settings.condition,
      keyFingerprint: settings.key.fingerprint,
      source: input.source,
      sourceKey,
      contentKey,
      conversion: image.conversion,
    };
    let sidecar: SealSidecar | undefined;
    const dicom = image.dicom;
    if (dicom) {
      // PHI stays out of the clear record: a file name or folder can name the patient, so they go into the
      // encrypted sidecar with the header fields, and the record gets a neutral name (the content hash's start).
      const details = dicomSidecarOf(dicom, { name: input.name, source: input.source }, settings.fit ?? null);
      if (!input.neutralName) {
        fields.name = `DICOM image ${sourceKey.slice(0, 8)}`;
        fields.source = DICOM_SOURCE;
      }
      fields.window = { ...dicom.window };
      sidecar = (itemId) => sealDicomSidecar(settings.key, itemId, details);
    }
    const record = await workspace.add(
      fields,
      // Sealed once the item's id exists: a version-2 container bound to this item and its record.
      (binding) => sealCiphertext(settings.key, settings.condition, image.width, ciphertext, {}, binding),
      sidecar,
    );
    outcome.imported.push(record.id);
  }
  settings.onProgress?.(total, total, 'done');
  return outcome;
}

/** The record's source for a DICOM item: where it came from is in its encrypted details. */
export const DICOM_SOURCE = 'DICOM file (name, folder and header fields encrypted)';

/**
 * The record's `sourceKey`: HMAC-SHA256 under subkey("import-identity") of the input's identity (a hash of the
 * file's bytes, or dataset + index), the conversion options and the storage condition. Keyed, because records are
 * not encrypted: with a plain hash (and the public key fingerprint) anyone holding the workspace folder and a
 * candidate file could confirm that the file was imported.
 */
function importKey(identity: string, settings: ImportSettings): string {
  return createHmac('sha256', deriveSubkey(settings.key.bytes, 'import-identity'))
    .update(`${identity}\n${settings.conversionTag}\n${settings.condition}`)
    .digest('hex')
    .slice(0, 40);
}

/** The decoded picture's identity: keyed like importKey, over its size and pixels (not the file's bytes). */
function pixelsKey(image: DecodedGreyImage, settings: ImportSettings): string {
  return createHmac('sha256', deriveSubkey(settings.key.bytes, 'import-identity'))
    .update(`pixels\n${image.width}x${image.height}\n${settings.condition}\n`)
    .update(image.pixels)
    .digest('hex')
    .slice(0, 40);
}

/** Before the keyed form: still recognised, so re-running an import into an older workspace adds no duplicates. */
function legacyImportKey(identity: string, settings: ImportSettings): string {
  return createHash('sha256')
    .update(`${identity}\n${settings.conversionTag}\n${settings.key.fingerprint}\n${settings.condition}`)
    .digest('hex')
    .slice(0, 40);
}
