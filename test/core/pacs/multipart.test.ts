import { describe, expect, it } from 'vitest';
import {
  multipartBoundary,
  partMediaType,
  readMultipart,
  type MultipartLimits,
} from '../../../src/core/pacs/multipart.js';

const LIMITS: MultipartLimits = { maxPartBytes: 1 << 20, maxTotalBytes: 1 << 22, maxParts: 100 };

function body(boundary: string, parts: { headers: string[]; bytes: Uint8Array }[], preamble = ''): Buffer {
  const pieces: Buffer[] = [Buffer.from(preamble ? `${preamble}\r\n` : '')];
  for (const part of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\n${part.headers.map((h) => `${h}\r\n`).join('')}\r\n`));
    pieces.push(Buffer.from(part.bytes));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\nepilogue ignored`));
  return Buffer.concat(pieces);
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(stream: AsyncIterable<Uint8Array>, boundary: string, limits = LIMITS) {
  const parts = [];
  for await (const part of readMultipart(stream, boundary, limits)) parts.push(part);
  return parts;
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

/** Bytes that contain CRLF, dashes and a near-miss of the boundary, as DICOM pixel data may. */
function awkwardBytes(boundary: string, length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 7) & 0xff;
  const trap = Buffer.from(`\r\n--${boundary.slice(0, -1)}X\r\n--`);
  out.set(trap.subarray(0, Math.min(trap.length, length)), Math.floor(length / 3));
  return out;
}

describe('readMultipart', () => {
  const boundary = 'b0undary-1234';
  const parts = [
    {
      headers: ['Content-Type: application/dicom', 'Content-Length: 700'],
      bytes: awkwardBytes(boundary, 700, 1),
    },
    {
      headers: ['content-type: application/dicom; transfer-syntax=1.2.840.10008.1.2.1'],
      bytes: awkwardBytes(boundary, 1500, 2),
    },
    { headers: ['Content-Type: application/dicom'], bytes: new Uint8Array(0) },
  ];
  const whole = body(boundary, parts, 'a preamble line');

  it('gives back every part byte for byte, whatever the chunk boundaries (1 byte to all at once)', async () => {
    for (const size of [1, 2, 3, 7, 16, 17, 64, 511, whole.length]) {
      const read = await collect(chunked(whole, size), boundary);
      expect(read.map((p) => Buffer.from(p.body).toString('hex'))).toEqual(
        parts.map((p) => Buffer.from(p.bytes).toString('hex')),
      );
      expect(read.map(partMediaType)).toEqual([
        'application/dicom',
        'application/dicom',
        'application/dicom',
      ]);
      expect(read[0]!.headers.get('content-length')).toBe('700');
    }
  });

  it('reads a body that opens with the boundary and a part without headers', async () => {
    const raw = Buffer.from(`--${boundary}\r\n\r\nhello\r\n--${boundary}--`);
    const read = await collect(chunked(raw, 4), boundary);
    expect(read).toHaveLength(1);
    expect(Buffer.from(read[0]!.body).toString()).toBe('hello');
    expect(read[0]!.headers.size).toBe(0);
  });

  it('refuses a part over the per-part cap, a body over the total cap, and too many parts', async () => {
    const big = await failure(collect(chunked(whole, 100), boundary, { ...LIMITS, maxPartBytes: 1000 }));
    expect(big.code).toBe('TOO_LARGE');
    const total = await failure(collect(chunked(whole, 100), boundary, { ...LIMITS, maxTotalBytes: 2000 }));
    expect(total.code).toBe('TOO_LARGE');
    expect(total.message).toContain('in all');
    const count = await failure(collect(chunked(whole, 100), boundary, { ...LIMITS, maxParts: 2 }));
    expect(count.code).toBe('TOO_LARGE');
  });

  it('says TRUNCATED when the stream stops before the closing boundary', async () => {
    const cut = whole.subarray(0, whole.indexOf(`--${boundary}--`) - 10);
    const error = await failure(collect(chunked(cut, 50), boundary));
    expect(error.code).toBe('TRUNCATED');
    const empty = await failure(collect(chunked(new Uint8Array(0), 1), boundary));
    expect(empty.code).toBe('TRUNCATED');
  });

  it('refuses a body without the boundary, bad header lines and endless headers', async () => {
    const html = Buffer.from('<html><body>'.padEnd(40_000, 'x'));
    expect((await failure(collect(chunked(html, 1000), boundary))).code).toBe('REMOTE_ERROR');
    const badHeader = Buffer.from(`--${boundary}\r\nnot a header\r\n\r\nx\r\n--${boundary}--`);
    expect((await failure(collect(chunked(badHeader, 5), boundary))).message).toContain('malformed header');
    const endless = Buffer.concat([Buffer.from(`--${boundary}\r\n`), Buffer.alloc(20_000, 0x41)]);
    expect((await failure(collect(chunked(endless, 1000), boundary))).message).toContain(
      'headers are longer',
    );
  });
});

describe('readMultipart on damaged bodies', () => {
  it('ends every truncation and byte flip in parts or a clear error, never a crash or a hang', async () => {
    const boundary = 'fuzz-boundary';
    const whole = body(boundary, [
      { headers: ['Content-Type: application/dicom'], bytes: awkwardBytes(boundary, 300, 3) },
      { headers: ['Content-Type: application/dicom'], bytes: awkwardBytes(boundary, 200, 4) },
    ]);
    const codes = new Set<string>();
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const variants: Uint8Array[] = [];
    for (let cut = 0; cut < whole.length; cut += 7) variants.push(whole.subarray(0, cut));
    for (let i = 0; i < 400; i++) {
      const copy = Buffer.from(whole);
      for (let flips = 1 + random(4); flips > 0; flips--) copy[random(copy.length)] = random(256);
      variants.push(copy);
    }
    for (const variant of variants) {
      try {
        const parts = await collect(chunked(variant, 1 + random(64)), boundary);
        for (const part of parts) expect(part.body.length).toBeLessThanOrEqual(LIMITS.maxPartBytes);
        codes.add('ok');
      } catch (error) {
        const code = (error as { code?: string }).code ?? `uncoded: ${String(error)}`;
        expect(['TRUNCATED', 'REMOTE_ERROR', 'TOO_LARGE']).toContain(code);
        codes.add(code);
      }
    }
    expect(codes.has('TRUNCATED')).toBe(true);
    expect(codes.has('ok')).toBe(true);
  });
});

describe('multipartBoundary', () => {
  it('reads quoted and bare boundaries', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=abc-123')).toBe(
      'abc-123',
    );
    expect(multipartBoundary('Multipart/Related; boundary="a b:c"; type="application/dicom"')).toBe('a b:c');
  });
  it('refuses a non-multipart type or a missing boundary', () => {
    expect(() => multipartBoundary('text/html')).toThrow(/not a multipart body/);
    expect(() => multipartBoundary(null)).toThrow(/no content type/);
    expect(() => multipartBoundary('multipart/related; type="application/dicom"')).toThrow(
      /names no boundary/,
    );
  });
});
