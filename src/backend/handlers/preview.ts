import { createImageCipher } from '../../core/crypto/cipher.js';
import { decryptContainer } from '../../core/crypto/container.js';
import { readRegularFile } from '../../core/fs/read.js';
import { analyzeImage } from '../../core/security/analyze-image.js';
import { toSecurityReport } from '../security-report.js';
import type { BackendContext } from '../context.js';
import { decodeBase64, pngDataUrl } from '../images.js';
import { naturalSize, resolveImage } from '../sources.js';
import { MAX_UPLOAD_BYTES } from '../../shared/common.js';
import type { HandlerGroup } from './types.js';

export function previewHandlers(
  context: BackendContext,
): HandlerGroup<'previewCipher' | 'previewDecrypt' | 'securityAnalyze'> {
  return {
    async previewCipher(request) {
      const key = context.activeKey();
      const size = await naturalSize(context, request.source, request.conversion.size);
      const image = await resolveImage(context, request.source, request.conversion, size);
      // A large image (a small PNG can decode to 8000²) is encrypted and decrypted off the event loop.
      const encrypted = await context.cipher.encrypt(key, request.condition, image.size, image.pixels);
      const decrypted = await context.cipher.decrypt(key, request.condition, image.size, encrypted);
      return {
        size: image.size,
        condition: request.condition,
        keyFingerprint: key.fingerprint,
        conversion: image.conversion,
        plain: await pngDataUrl(image.pixels, image.size),
        encrypted: await pngDataUrl(encrypted, image.size),
        decrypted: await pngDataUrl(decrypted, image.size),
        roundTripExact: Buffer.from(decrypted).equals(Buffer.from(image.pixels)),
      };
    },
    async previewDecrypt(request) {
      const key = context.activeKey();
      const name = request.source.kind === 'path' ? request.source.path : request.source.name;
      let bytes: Uint8Array;
      if (request.source.kind === 'path') {
        // A regular file within the upload limit, checked on the open handle before reading: a device
        // (/dev/zero), a FIFO or a huge file would otherwise fill memory or hang.
        bytes = await readRegularFile(request.source.path, MAX_UPLOAD_BYTES, {
          what: name,
          tooLargeCode: 'IMAGE_TOO_LARGE',
        });
      } else bytes = decodeBase64(request.source.dataBase64);
      const opened = decryptContainer(key, bytes, name);
      const { size, condition, keyFingerprint } = opened.header;
      return {
        size,
        condition,
        keyFingerprint,
        encrypted: await pngDataUrl(opened.ciphertext, size),
        plain: await pngDataUrl(opened.pixels, size),
      };
    },
    async securityAnalyze(request) {
      const key = context.activeKey();
      const size = await naturalSize(context, request.source, request.conversion.size);
      const image = await resolveImage(context, request.source, request.conversion, size);
      const report = analyzeImage(image.pixels, key, request.condition, {
        pairs: request.samplePairs,
        seed: request.seed,
      });
      const encrypted = createImageCipher(key, request.condition, image.size).encrypt(image.pixels);
      return toSecurityReport(report, {
        plain: await pngDataUrl(image.pixels, image.size),
        encrypted: await pngDataUrl(encrypted, image.size),
      });
    },
  };
}
