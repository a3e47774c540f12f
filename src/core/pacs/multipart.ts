import { CipherLensError } from '../errors.js';
import { formatBytes } from '../fs/read.js';

/**
 * A streaming reader of `multipart/related` bodies (RFC 2046 §5.1, RFC 2387), the envelope of DICOMweb's WADO-RS
 * retrieve.
 *
 * Why our own: no maintained multipart/related parser is among the project's dependencies. busboy and
 * @fastify/busboy read only multipart/form-data (they need a Content-Disposition name per part), and fetch's
 * Response.formData() is form-data only and buffers the whole body. The npm `dicomweb-client` does parse
 * multipart/related, but it is built on XMLHttpRequest (browsers), which Node does not have, and it buffers the
 * whole response before splitting it. This module keeps one part in memory at a time, with caps per part, per
 * body and on the part count, so a hostile or broken server cannot make CipherLens hold unbounded memory.
 */

export interface MultipartLimits {
  /** Largest body of one part. */
  maxPartBytes: number;
  /** Largest sum of all parts' bodies. */
  maxTotalBytes: number;
  maxParts: number;
  /** Largest header block of one part. */
  maxHeaderBytes?: number;
}

export interface MultipartPart {
  /** Header names lower-cased. */
  headers: Map<string, string>;
  body: Uint8Array;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/**
 * The boundary of a `multipart/related` Content-Type, quoted or not. BAD_FORMAT (via REMOTE_ERROR for the
 * caller) when the type is not multipart or names no usable boundary.
 */
export function multipartBoundary(contentType: string | null): string {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) {
    throw new CipherLensError(
      'REMOTE_ERROR',
      `the server answered with ${contentType ? `"${contentType}"` : 'no content type'}, not a multipart body`,
    );
  }
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) {
    throw new CipherLensError(
      'REMOTE_ERROR',
      `the multipart content type "${contentType}" names no boundary`,
    );
  }
  return boundary;
}

/** The type of a part without its parameters, lower-cased ("application/dicom"). */
export function partMediaType(part: MultipartPart): string {
  return (part.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function parseHeaders(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.toString('latin1').split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new CipherLensError(
        'REMOTE_ERROR',
        `a multipart part has a malformed header line "${line.slice(0, 80)}"`,
      );
    }
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * Yields each part of `body` as soon as its closing delimiter has arrived. Throws REMOTE_ERROR for a malformed
 * body (no opening delimiter, a header block without its end), TRUNCATED when the stream ends before the closing
 * delimiter, TOO_LARGE when a cap is passed.
 */
export async function* readMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits,
): AsyncGenerator<MultipartPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
  // Inside the body every delimiter is preceded by CRLF (RFC 2046: the CRLF belongs to the delimiter).
  const delimiter = Buffer.concat([CRLF, dashBoundary]);
  let buffer: Buffer = Buffer.alloc(0);
  let state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
  // Read through a function: TypeScript does not see drain() change `state` and would narrow it here.
  const finished = (): boolean => state === 'done';
  let headers = new Map<string, string>();
  let chunks: Buffer[] = [];
  let partBytes = 0;
  let totalBytes = 0;
  let parts = 0;

  const addToPart = (bytes: Buffer): void => {
    if (bytes.length === 0) return;
    partBytes += bytes.length;
    totalBytes += bytes.length;
    if (partBytes > limits.maxPartBytes) {
      throw new CipherLensError(
        'TOO_LARGE',
        `one part of the server's answer is larger than ${formatBytes(limits.maxPartBytes)}`,
      );
    }
    if (totalBytes > limits.maxTotalBytes) {
      throw new CipherLensError(
        'TOO_LARGE',
        `the server's answer is larger than ${formatBytes(limits.maxTotalBytes)} in all`,
      );
    }
    chunks.push(bytes);
  };

  /** Runs the state machine over what is buffered; returns the parts completed. */
  const drain = (): MultipartPart[] => {
    const done: MultipartPart[] = [];
    for (;;) {
      if (state === 'preamble') {
        // The first delimiter may open the body directly (no CRLF before it) or follow a preamble.
        const at = buffer.indexOf(dashBoundary);
        if (at < 0) {
          if (buffer.length > maxHeaderBytes) {
            throw new CipherLensError('REMOTE_ERROR', 'the multipart body does not start with its boundary');
          }
          return done;
        }
        if (at > 0 && !(at >= 2 && buffer[at - 2] === 0x0d && buffer[at - 1] === 0x0a)) {
          throw new CipherLensError('REMOTE_ERROR', 'the multipart body does not start with its boundary');
        }
        buffer = buffer.subarray(at + dashBoundary.length);
        state = 'after-delimiter';
      } else if (state === 'after-delimiter') {
        // "--" closes the body; otherwise optional transport padding, then CRLF, then the part's headers.
        if (buffer.length < 2) return done;
        if (buffer[0] === 0x2d && buffer[1] === 0x2d) {
          state = 'done';
          return done;
        }
        const lineEnd = buffer.indexOf(CRLF);
        if (lineEnd < 0) {
          if (buffer.length > 256)
            throw new CipherLensError('REMOTE_ERROR', 'a multipart delimiter is not followed by a line end');
          return done;
        }
        if (buffer.subarray(0, lineEnd).toString('latin1').trim() !== '') {
          throw new CipherLensError('REMOTE_ERROR', 'a multipart delimiter is followed by unexpected text');
        }
        buffer = buffer.subarray(lineEnd + 2);
        state = 'headers';
      } else if (state === 'headers') {
        // A part without headers starts with the empty line at once.
        const end = buffer.subarray(0, 2).equals(CRLF) ? -2 : buffer.indexOf(HEADER_END);
        if (end === -1) {
          if (buffer.length > maxHeaderBytes) {
            throw new CipherLensError(
              'REMOTE_ERROR',
              `a multipart part's headers are longer than ${formatBytes(maxHeaderBytes)}`,
            );
          }
          return done;
        }
        headers = end === -2 ? new Map() : parseHeaders(buffer.subarray(0, end));
        buffer = buffer.subarray(end === -2 ? 2 : end + HEADER_END.length);
        parts++;
        if (parts > limits.maxParts) {
          throw new CipherLensError(
            'TOO_LARGE',
            `the server's answer has more than ${limits.maxParts} parts`,
          );
        }
        chunks = [];
        partBytes = 0;
        state = 'body';
      } else if (state === 'body') {
        const at = buffer.indexOf(delimiter);
        if (at < 0) {
          // Keep a tail that could be the start of a delimiter split across chunks.
          const keep = Math.min(buffer.length, delimiter.length - 1);
          addToPart(Buffer.from(buffer.subarray(0, buffer.length - keep)));
          buffer = Buffer.from(buffer.subarray(buffer.length - keep));
          return done;
        }
        addToPart(Buffer.from(buffer.subarray(0, at)));
        buffer = buffer.subarray(at + delimiter.length);
        done.push({ headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, partBytes) });
        chunks = [];
        state = 'after-delimiter';
      } else {
        return done; // 'done': the epilogue is ignored.
      }
    }
  };

  for await (const chunk of body) {
    if (finished()) continue;
    buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    for (const part of drain()) yield part;
  }
  if (!finished()) {
    throw new CipherLensError(
      'TRUNCATED',
      parts === 0
        ? "the server's multipart answer ended before its first part"
        : `the server's multipart answer ended after ${parts} part(s), before its closing boundary`,
    );
  }
}
