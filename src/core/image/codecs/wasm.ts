import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CipherLensError } from '../../errors.js';

const require = createRequire(import.meta.url);

/** The version field of an installed package (codec identities name the code that decoded the pixels). */
export function packageVersion(name: string): string {
  // Some codec packages do not export ./package.json: find it above their entry point instead.
  let folder = dirname(require.resolve(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // No package.json here: keep looking upwards.
    }
    const parent = dirname(folder);
    if (parent === folder) throw new CipherLensError('INTERNAL', `the version of ${name} cannot be found`);
    folder = parent;
  }
}

/**
 * Loads an Emscripten module built with MODULARIZE (the @cornerstonejs codec builds): the factory in `jsPath`,
 * with its .wasm file at `wasmPath` (both package export paths), located explicitly so that bundling or an
 * asar archive cannot make Emscripten look beside the wrong script. Instantiated once per thread, on first use.
 */
export function wasmModuleLoader<T>(jsPath: string, wasmPath: string, what: string): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () =>
    (loading ??= (async () => {
      try {
        const factory = require(jsPath) as (options: {
          locateFile: () => string;
          print: () => void;
          printErr: () => void;
        }) => Promise<T>;
        const wasm = require.resolve(wasmPath);
        // OpenJPEG logs "[INFO] …" lines for every frame; failures are reported through exceptions instead.
        return await factory({ locateFile: () => wasm, print: () => {}, printErr: () => {} });
      } catch (error) {
        loading = null;
        throw new CipherLensError(
          'INTERNAL',
          `the ${what} decoder could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    })());
}

/** What the codecs' embind decoder classes have in common. */
export interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  };
  delete(): void;
}

/**
 * Runs one decode with an embind decoder and copies the result out of the WASM heap (the heap view is only valid
 * until the decoder is deleted or the heap grows). Codec failures (C++ exceptions surface as numbers or
 * strings) become IMAGE_DECODE errors that name the file and the codec.
 */
export function decodeWithEmscripten(
  decoder: EmscriptenDecoder,
  encoded: Uint8Array,
  what: string,
  name: string,
): { bytes: Uint8Array; info: ReturnType<EmscriptenDecoder['getFrameInfo']> } {
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return { bytes: decoder.getDecodedBuffer().slice(), info };
  } catch (error) {
    const detail =
      error instanceof Error ? error.message : typeof error === 'string' ? error : `code ${String(error)}`;
    throw new CipherLensError('IMAGE_DECODE', `${name}: the ${what} data cannot be decoded (${detail})`, {
      cause: error,
    });
  } finally {
    decoder.delete();
  }
}
