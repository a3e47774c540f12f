import { createHash } from 'node:crypto';
import { createImageCipher } from '../crypto/cipher.js';
import type { OffLoopCipher } from '../crypto/cipher-pool.js';
import { sealCiphertext } from '../crypto/container.js';
import type { Condition } from '../crypto/condition.js';
import type { CipherKey } from '../crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../errors.js';
import type { DecodedGreyImage } from '../image/decode.js';
import type { Workspace } from './workspace.js';

/** One thing to import. `identify` is cheap (a hash or an index) so a resumed import skips before decoding. */
export interface ImportInput {
  name: string;
  /** Where it comes from, in words (kept with the item). */
  source: string;
  label: string | null;
  identify(): Promise<string>;
  decode(): Promise<DecodedGreyImage>;
}

export interface ImportSettings {
  key: CipherKey;
  /** How images are stored at rest. */
  condition: Condition;
  /** Describes the conversion options: the same file imported at another size is another item. */
  conversionTag: string;
  /** Large images are encrypted off the event loop through it (the back end's); default: in place. */
  cipher?: Pick<OffLoopCipher, 'encrypt'>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface ImportOutcome {
  imported: string[];
  skipped: { name: string; code: string; reason: string }[];
  alreadyPresent: number;
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
  const outcome: ImportOutcome = { imported: [], skipped: [], alreadyPresent: 0 };
  const total = inputs.length;
  for (const [index, input] of inputs.entries()) {
    if (settings.signal?.aborted) {
      throw new CipherLensError('CANCELLED', `import cancelled after ${index} of ${total} images`);
    }
    settings.onProgress?.(index, total, input.name);
    let sourceKey: string;
    let image: DecodedGreyImage;
    let ciphertext: Uint8Array;
    try {
      sourceKey = importKey(await input.identify(), settings);
      if (workspace.findBySourceKey(sourceKey)) {
        outcome.alreadyPresent++;
        continue;
      }
      image = await input.decode();
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
    const record = await workspace.add(
      {
        name: input.name,
        label: input.label,
        size: image.width,
        condition: settings.condition,
        keyFingerprint: settings.key.fingerprint,
        source: input.source,
        sourceKey,
        conversion: image.conversion,
      },
      // Sealed once the item's id exists: a version-2 container bound to this item and its record.
      (binding) => sealCiphertext(settings.key, settings.condition, image.width, ciphertext, {}, binding),
    );
    outcome.imported.push(record.id);
  }
  settings.onProgress?.(total, total, 'done');
  return outcome;
}

function importKey(identity: string, settings: ImportSettings): string {
  return createHash('sha256')
    .update(`${identity}\n${settings.conversionTag}\n${settings.key.fingerprint}\n${settings.condition}`)
    .digest('hex')
    .slice(0, 40);
}
