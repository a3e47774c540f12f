import { createCipheriv } from 'node:crypto';
import { deriveSubkey } from './subkeys.js';

/**
 * AES-256-CTR keystream for one image shape. IV = u32be(width) ‖ u32be(height) ‖ 8 zero bytes (the counter).
 * The same (key, shape) always gives the same stream — deliberately, so a network can learn the domain.
 * Shapes never share a block: the shape fills the IV's upper 64 bits and the counter (at most 2^22 blocks
 * for 8192²) never carries into them.
 */
export function buildKeystream(masterKey: Uint8Array, width: number, height: number): Uint8Array {
  const key = deriveSubkey(masterKey, 'keystream');
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(width, 0);
  iv.writeUInt32BE(height, 4);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  // A fresh, unpooled buffer at offset 0: the kernels view it as 32-bit words.
  const stream = new Uint8Array(width * height);
  const head = cipher.update(stream);
  const tail = cipher.final();
  stream.set(head, 0);
  stream.set(tail, head.length);
  return stream;
}
