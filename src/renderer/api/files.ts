import { MAX_UPLOAD_BYTES, type ImageSource } from '../../shared/common.js';
import { CipherLensApiError } from '../../shared/api.js';

/** Base64 of a File's bytes, for `upload` sources; refuses files over the API's size limit. */
export async function fileToBase64(file: Blob & { name?: string }): Promise<string> {
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new CipherLensApiError(
      'BAD_INPUT',
      `${file.name ?? 'file'} is ${(file.size / 1024 / 1024).toFixed(1)} MiB; the limit is ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB`,
    );
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export async function uploadSource(file: File): Promise<ImageSource> {
  return { kind: 'upload', name: file.name, dataBase64: await fileToBase64(file) };
}
