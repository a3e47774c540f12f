import { createCipheriv } from 'node:crypto';
import { deriveSubkey } from './subkeys.js';

/**
 * AES-256-CTR keystream for one image shape. IV = u32be(width) ‖ u32be(height) ‖ 8 zero bytes (the counter).
 * The same (key, shape) always gives the same stream — deliberately, so a network can learn the domain.
 */
export function buildKeystream(masterKey: Uint8Array, width: number, height: number): Uint8Array {
  const key = deriveSubkey(masterKey, 'keystream');
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(width, 0);
  iv.writeUInt32BE(height, 4);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const stream = Buffer.concat([cipher.update(Buffer.alloc(width * height)), cipher.final()]);
  return new Uint8Array(stream.buffer, stream.byteOffset, stream.length);
}
