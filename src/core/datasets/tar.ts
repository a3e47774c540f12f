import { CipherLensError } from '../errors.js';
import { formatBytes, streamRegularFile } from '../fs/read.js';
import { gunzipStream, MAX_INFLATED_BYTES } from './gzip.js';

/*
 * Why a reader of our own and not tar-stream (a dependency already, considered in issue 14 §4): listing
 * MedNIST.tar.gz (58,954 members, gunzip included) took 0.95–1.18 s CPU here against 1.16–1.48 s through
 * tar-stream 3.2 (3 runs each, same machine, same gunzip; 2026-12-01), and the cold sample import lists the whole
 * archive (tar-stream hands each member out as a stream of its own; not profiled further). The caps
 * below are checked from each header before the member's bytes are read.
 */

/** One member of a tar archive. `data` is present for regular files only. */
export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
  size: number;
  data?: Buffer;
}

const BLOCK = 512;
/** Largest member read into memory (MedNIST's are ~2 KB JPEGs; a DICOM series file can be tens of MB). */
export const MAX_TAR_MEMBER_BYTES = 64 * 1024 * 1024;
/** Largest (uncompressed) archive read: MedNIST.tar is ~150 MB. */
export const MAX_TAR_TOTAL_BYTES = MAX_INFLATED_BYTES;
/** Most members in one archive (MedNIST has 58 954 images plus folders). */
export const MAX_TAR_MEMBERS = 1_000_000;
/** GNU long-name and pax records: a path, not a payload. */
const MAX_METADATA_ENTRY_BYTES = 1024 * 1024;

export interface TarLimits {
  /** Largest member (data held in memory); MAX_TAR_MEMBER_BYTES by default. */
  maxEntryBytes?: number;
  /** Largest archive, headers and padding included; MAX_TAR_TOTAL_BYTES by default. */
  maxTotalBytes?: number;
  /** Most members; MAX_TAR_MEMBERS by default. */
  maxEntries?: number;
}

/** Pulls exact byte counts out of an async stream of arbitrarily sized chunks. */
class ByteReader {
  private readonly chunks: Buffer[] = [];
  private available = 0;
  private ended = false;
  /** Total bytes handed out so far (for error messages). */
  offset = 0;

  constructor(private readonly iterator: AsyncIterator<Buffer>) {}

  private async fill(wanted: number): Promise<void> {
    while (this.available < wanted && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.available += next.value.length;
      }
    }
  }

  /** Exactly `count` bytes; null at a clean end of stream; `short` bytes when it ends part-way. */
  async read(count: number): Promise<Buffer | null | { short: number }> {
    await this.fill(count);
    if (this.available === 0 && count > 0) return null;
    if (this.available < count) return { short: this.available };
    this.offset += count;
    this.available -= count;
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      return out;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, take);
      filled += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    return out;
  }
}

const cString = (bytes: Buffer): string => {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end);
};

/** Octal number field, or GNU base-256 when the high bit of the first byte is set. */
function numberField(field: Buffer): number {
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = cString(field).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function headerChecksumMatches(header: Buffer): boolean {
  const stored = numberField(header.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** pax extended header records: "<length> <key>=<value>\n". */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space < 0) break;
    const length = parseInt(data.toString('utf8', position, space), 10);
    if (!(length > 0)) break;
    const record = data.toString('utf8', space + 1, position + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    position += length;
  }
  return records;
}

const paddedSize = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

/**
 * Streams the members of a (ustar, GNU or pax) tar archive. Handles GNU long names ('L'), pax `path`
 * records, base-256 sizes, verifies every header checksum, and reports truncation with the byte offset.
 */
export async function* readTarEntries(
  chunks: AsyncIterable<Buffer>,
  source: string,
  options: TarLimits = {},
): AsyncGenerator<TarEntry> {
  const maxEntryBytes = options.maxEntryBytes ?? MAX_TAR_MEMBER_BYTES;
  const maxTotalBytes = options.maxTotalBytes ?? MAX_TAR_TOTAL_BYTES;
  const maxEntries = options.maxEntries ?? MAX_TAR_MEMBERS;
  let entries = 0;
  /** Refuses a member whose declared size would take the archive past its total cap, before reading it. */
  const checkTotal = (size: number, name: string): void => {
    if (reader.offset + paddedSize(size) > maxTotalBytes) {
      throw new CipherLensError(
        'TOO_LARGE',
        `${source}: member ${name} (${size} bytes at byte ${reader.offset}) takes the archive past ${formatBytes(maxTotalBytes)}, the limit`,
      );
    }
  };
  const reader = new ByteReader(chunks[Symbol.asyncIterator]());
  const truncated = (what: string): CipherLensError =>
    new CipherLensError(
      'TRUNCATED',
      `${source} is truncated: the archive ends inside ${what} (at byte ${reader.offset})`,
    );
  const readExactly = async (count: number, what: string): Promise<Buffer> => {
    const result = await reader.read(count);
    if (result === null || !Buffer.isBuffer(result)) throw truncated(what);
    return result;
  };

  let longName: string | null = null;
  let paxPath: string | null = null;
  for (;;) {
    const header = await reader.read(BLOCK);
    // No end-of-archive marker is tolerated (some writers omit it), but a partial header is not.
    if (header === null) return;
    if (!Buffer.isBuffer(header)) throw truncated('a header block');
    if (header.every((byte) => byte === 0)) return;
    if (!headerChecksumMatches(header)) {
      throw new CipherLensError(
        'BAD_FORMAT',
        `${source} is corrupt: tar header checksum mismatch at byte ${reader.offset - BLOCK}`,
      );
    }
    const typeFlag = String.fromCharCode(header[156]!);
    const size = numberField(header.subarray(124, 136));
    const magic = header.toString('latin1', 257, 263);
    const prefix = magic === 'ustar\0' ? cString(header.subarray(345, 500)) : '';
    const headerName = prefix
      ? `${prefix}/${cString(header.subarray(0, 100))}`
      : cString(header.subarray(0, 100));
    const name = paxPath ?? longName ?? headerName;

    if (++entries > maxEntries) {
      throw new CipherLensError('TOO_LARGE', `${source} has more than ${maxEntries} members, the limit`);
    }
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new CipherLensError('BAD_FORMAT', `${source} is corrupt: member ${name} has an invalid size`);
    }
    checkTotal(size, name);

    if (typeFlag === 'L' || typeFlag === 'x' || typeFlag === 'g' || typeFlag === 'K') {
      if (size > MAX_METADATA_ENTRY_BYTES)
        throw new CipherLensError(
          'BAD_FORMAT',
          `${source}: tar metadata entry of ${size} bytes (limit ${MAX_METADATA_ENTRY_BYTES})`,
        );
      const data = await readExactly(paddedSize(size), `a ${typeFlag} metadata entry`);
      if (typeFlag === 'L') longName = cString(data.subarray(0, size));
      if (typeFlag === 'x') paxPath = parsePax(data.subarray(0, size)).path ?? paxPath;
      continue;
    }
    longName = null;
    paxPath = null;

    const isFile = typeFlag === '0' || typeFlag === '\0' || typeFlag === '7';
    if (isFile) {
      if (size > maxEntryBytes) {
        throw new CipherLensError(
          'TOO_LARGE',
          `${source}: member ${name} is ${size} bytes, over the ${maxEntryBytes}-byte limit`,
        );
      }
      const data = await readExactly(paddedSize(size), `member ${name}`);
      yield { name, type: 'file', size, data: data.subarray(0, size) };
    } else {
      // Directories, links and devices carry no payload we need; skip whatever data they declare.
      let remaining = typeFlag === '1' || typeFlag === '2' || typeFlag === '5' ? 0 : paddedSize(size);
      while (remaining > 0) {
        const step = Math.min(remaining, 1 << 20);
        await readExactly(step, `member ${name}`);
        remaining -= step;
      }
      yield { name, type: typeFlag === '5' ? 'directory' : 'other', size };
    }
  }
}

/**
 * The members of a gzip-compressed tar archive on disk: a regular file only (a FIFO or a device is refused
 * before anything is read), inflated with the archive's total cap, members capped as in readTarEntries.
 */
export async function* readTarGzFile(path: string, limits: TarLimits = {}): AsyncGenerator<TarEntry> {
  const maxTotalBytes = limits.maxTotalBytes ?? MAX_TAR_TOTAL_BYTES;
  // The compressed file is never larger than what it inflates to (plus gzip's small overhead).
  const compressed = streamRegularFile(path, maxTotalBytes + 1024 * 1024, { what: `archive ${path}` });
  const chunks = gunzipStream(compressed, path, { maxBytes: maxTotalBytes });
  try {
    yield* readTarEntries(chunks, path, limits);
  } finally {
    await chunks.return(undefined);
  }
}
