import { CipherLensError, isCipherLensError } from '../errors.js';
import { formatBytes } from '../fs/read.js';
import {
  integer,
  parseDicomJson,
  personName,
  requiredUid,
  TAG,
  text,
  textValues,
  type DicomJsonDataSet,
} from './dicom-json.js';
import { multipartBoundary, partMediaType, readMultipart } from './multipart.js';
import { checkUid, queryString, SERIES_FIELDS, studyQueryParams, type StudyQuery } from './query.js';

/**
 * A DICOMweb client for Node (QIDO-RS search, WADO-RS retrieve), on Node's own fetch.
 *
 * Not the npm `dicomweb-client`: it is written for browsers on XMLHttpRequest, which Node lacks, and it buffers
 * whole multipart answers in memory. Here every answer is read as a stream with a size cap, every request has an
 * idle timeout and honours an AbortSignal, and redirects are refused (a redirect could carry the credentials to
 * another origin).
 */

export type PacsAuth =
  { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };

export interface PacsLimits {
  /** Longest wait for the server's next byte (headers or body), in milliseconds. */
  idleTimeoutMs: number;
  /** Largest QIDO-RS (JSON) answer. */
  maxJsonBytes: number;
  /** Largest single DICOM instance. */
  maxInstanceBytes: number;
  /** Largest whole-series retrieve, summed over its instances. */
  maxSeriesBytes: number;
  maxInstancesPerSeries: number;
}

export const DEFAULT_PACS_LIMITS: PacsLimits = {
  idleTimeoutMs: 30_000,
  maxJsonBytes: 16 * 1024 * 1024,
  maxInstanceBytes: 512 * 1024 * 1024,
  maxSeriesBytes: 8 * 1024 * 1024 * 1024,
  maxInstancesPerSeries: 20_000,
};

export interface StudySummary {
  studyInstanceUid: string;
  patientName: string | null;
  patientId: string | null;
  /** YYYYMMDD as the server stores it. */
  studyDate: string | null;
  description: string | null;
  accessionNumber: string | null;
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
}

export interface SeriesSummary {
  seriesInstanceUid: string;
  modality: string | null;
  seriesNumber: number | null;
  description: string | null;
  bodyPart: string | null;
  instanceCount: number | null;
}

export interface InstanceSummary {
  sopInstanceUid: string;
  sopClassUid: string | null;
  instanceNumber: number | null;
}

export interface StudySearchResult {
  studies: StudySummary[];
  /** The server returned as many as asked for: there may be more (narrow the search or page on). */
  mayHaveMore: boolean;
}

export interface DicomWebClientOptions {
  /** The DICOMweb root, e.g. https://pacs.example.org/dicom-web (Orthanc) or …/rs (dcm4chee). */
  baseUrl: string;
  auth?: PacsAuth;
  limits?: Partial<PacsLimits>;
  /** For tests; default: the global fetch. */
  fetch?: typeof fetch;
}

/** The Accept of a WADO-RS retrieve: DICOM parts, each in the transfer syntax it is stored in (no transcoding). */
const DICOM_MULTIPART = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const DICOM_JSON = 'application/dicom+json, application/json;q=0.9';

/** The base URL as a DICOMweb root: http(s) only, no credentials, query or fragment, no trailing slash. */
export function normaliseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CipherLensError(
      'BAD_INPUT',
      `"${value}" is not a URL (e.g. https://pacs.example.org/dicom-web)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CipherLensError(
      'BAD_INPUT',
      `a PACS URL must start with https:// or http://, not ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    throw new CipherLensError(
      'BAD_INPUT',
      'put the user name and password in the credential fields, not in the URL (a URL is shown and logged)',
    );
  }
  if (url.search || url.hash) {
    throw new CipherLensError('BAD_INPUT', 'a DICOMweb base URL has no query (?…) or fragment (#…)');
  }
  return url.toString().replace(/\/+$/, '');
}

/** True when the URL is plain http to a host other than this machine: credentials would cross a network in clear. */
export function sendsCredentialsInClear(baseUrl: string, auth: PacsAuth): boolean {
  if (auth.kind === 'none') return false;
  const url = new URL(baseUrl);
  if (url.protocol === 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}

export function authorizationHeader(auth: PacsAuth): string | null {
  if (auth.kind === 'none') return null;
  if (auth.kind === 'basic') {
    if (auth.user.includes(':')) {
      throw new CipherLensError('BAD_INPUT', 'a basic-auth user name cannot contain ":"');
    }
    if (/[\r\n]/.test(auth.user + auth.password)) {
      throw new CipherLensError('BAD_INPUT', 'the user name or password contains a line break');
    }
    return `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
  }
  // RFC 6750 b64token: what may follow "Bearer " in a header without breaking it.
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(auth.token)) {
    throw new CipherLensError(
      'BAD_INPUT',
      'the bearer token contains characters a token cannot have (spaces, line breaks, quotes, …)',
    );
  }
  return `Bearer ${auth.token}`;
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : null;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused: nothing listens at that address and port',
    ENOTFOUND: 'unknown host name',
    EAI_AGAIN: 'the host name could not be resolved right now',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'no route to the host',
    ENETUNREACH: 'the network is unreachable',
    ETIMEDOUT: 'the connection timed out',
    CERT_HAS_EXPIRED: 'its TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed and not trusted',
    SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
    ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** An idle timer: aborts its signal when `touch` has not been called for `ms`. */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly ms: number) {
    this.touch();
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get fired(): boolean {
    return this.controller.signal.aborted;
  }
  touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.ms);
    // A pending timer must not keep a CLI process alive after its work is done.
    this.timer.unref?.();
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class DicomWebClient {
  readonly baseUrl: string;
  readonly limits: PacsLimits;
  private readonly authorization: string | null;
  private readonly fetchImpl: typeof fetch;

  constructor(options: DicomWebClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.authorization = authorizationHeader(options.auth ?? { kind: 'none' });
    this.limits = { ...DEFAULT_PACS_LIMITS, ...options.limits };
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Where the server is, for messages (never with credentials). */
  get origin(): string {
    return new URL(this.baseUrl).host;
  }

  /**
   * Checks the connection with the smallest real query (one study). Resolves when the server answers it as a
   * DICOMweb service with these credentials; throws REMOTE_UNREACHABLE / REMOTE_AUTH / REMOTE_ERROR otherwise.
   */
  async checkConnection(signal?: AbortSignal): Promise<{ studiesSeen: number }> {
    const sets = await this.getJson('/studies?limit=1', 'a test search', signal);
    return { studiesSeen: sets.length };
  }

  async searchStudies(query: StudyQuery, signal?: AbortSignal): Promise<StudySearchResult> {
    const params = studyQueryParams(query);
    const sets = await this.getJson(`/studies?${queryString(params)}`, 'the study search', signal);
    const limit = Number(params.get('limit'));
    return { studies: sets.map(studySummary), mayHaveMore: sets.length >= limit };
  }

  async listSeries(studyInstanceUid: string, signal?: AbortSignal): Promise<SeriesSummary[]> {
    const study = checkUid(studyInstanceUid, 'study UID');
    const params = new URLSearchParams(
      SERIES_FIELDS.map((field): [string, string] => ['includefield', field]),
    );
    const sets = await this.getJson(
      `/studies/${study}/series?${queryString(params)}`,
      'the series list',
      signal,
    );
    return sets.map(seriesSummary).sort(bySeriesNumber);
  }

  async listInstances(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    signal?: AbortSignal,
  ): Promise<InstanceSummary[]> {
    const study = checkUid(studyInstanceUid, 'study UID');
    const series = checkUid(seriesInstanceUid, 'series UID');
    const sets = await this.getJson(
      `/studies/${study}/series/${series}/instances`,
      'the instance list',
      signal,
    );
    if (sets.length > this.limits.maxInstancesPerSeries) {
      throw new CipherLensError(
        'TOO_LARGE',
        `the series has ${sets.length} instances, more than the ${this.limits.maxInstancesPerSeries} CipherLens imports at once`,
      );
    }
    return sets.map(instanceSummary).sort(byInstanceNumber);
  }

  /** One instance's DICOM bytes (WADO-RS, a one-part multipart answer), at most `maxInstanceBytes`. */
  async retrieveInstance(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const path = `/studies/${checkUid(studyInstanceUid, 'study UID')}/series/${checkUid(seriesInstanceUid, 'series UID')}/instances/${checkUid(sopInstanceUid, 'instance UID')}`;
    let found: Uint8Array | null = null;
    for await (const part of this.retrieveParts(
      path,
      'the instance',
      1,
      this.limits.maxInstanceBytes,
      signal,
    )) {
      found ??= part;
    }
    if (!found)
      throw new CipherLensError(
        'REMOTE_ERROR',
        'the server answered the instance request with no DICOM part',
      );
    return found;
  }

  /**
   * Every instance of a series in one WADO-RS request, yielded one at a time as they arrive (one instance in
   * memory at a time), within `maxInstanceBytes` each and `maxSeriesBytes` in all.
   */
  retrieveSeries(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    signal?: AbortSignal,
  ): AsyncGenerator<Uint8Array> {
    const path = `/studies/${checkUid(studyInstanceUid, 'study UID')}/series/${checkUid(seriesInstanceUid, 'series UID')}`;
    return this.retrieveParts(
      path,
      'the series',
      this.limits.maxInstancesPerSeries,
      this.limits.maxSeriesBytes,
      signal,
    );
  }

  private async *retrieveParts(
    path: string,
    what: string,
    maxParts: number,
    maxTotalBytes: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    const { response, timer } = await this.send(path, DICOM_MULTIPART, what, signal);
    try {
      const boundary = multipartBoundary(response.headers.get('content-type'));
      const parts = readMultipart(this.bodyOf(response, timer, what, signal), boundary, {
        maxPartBytes: this.limits.maxInstanceBytes,
        maxTotalBytes,
        maxParts,
      });
      for await (const part of parts) {
        const type = partMediaType(part);
        if (type !== 'application/dicom') {
          throw new CipherLensError(
            'REMOTE_ERROR',
            `the server sent a part of type "${type || 'none'}" in ${what}, not application/dicom`,
          );
        }
        // The consumer may take long with a part (decoding it): that is not the server being idle.
        timer.stop();
        yield part.body;
        timer.touch();
      }
    } finally {
      timer.stop();
    }
  }

  private async getJson(path: string, what: string, signal?: AbortSignal): Promise<DicomJsonDataSet[]> {
    const { response, timer } = await this.send(path, DICOM_JSON, what, signal);
    try {
      if (response.status === 204) return [];
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/dicom+json' && type !== 'application/json') {
        await response.body?.cancel().catch(() => undefined);
        throw new CipherLensError(
          'REMOTE_ERROR',
          `${this.origin} answered ${what} with ${type || 'no content type'}, not DICOM JSON: is ${this.baseUrl} the DICOMweb root?`,
        );
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of this.bodyOf(response, timer, what, signal)) {
        total += chunk.length;
        if (total > this.limits.maxJsonBytes) {
          throw new CipherLensError(
            'TOO_LARGE',
            `the server's answer to ${what} is larger than ${formatBytes(this.limits.maxJsonBytes)}: narrow the search`,
          );
        }
        chunks.push(chunk);
      }
      return parseDicomJson(Buffer.concat(chunks).toString('utf8'), what);
    } finally {
      timer.stop();
    }
  }

  /** The request, with its status checked; the idle timer keeps running for the body. */
  private async send(
    path: string,
    accept: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; timer: IdleTimer }> {
    if (signal?.aborted) throw new CipherLensError('CANCELLED', `${what} was cancelled`);
    const timer = new IdleTimer(this.limits.idleTimeoutMs);
    const headers: Record<string, string> = { accept };
    if (this.authorization) headers['authorization'] = this.authorization;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        headers,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timer.signal]) : timer.signal,
      });
    } catch (error) {
      timer.stop();
      throw this.transportError(error, timer, what, signal);
    }
    timer.touch();
    if (response.ok) return { response, timer };
    timer.stop();
    await response.body?.cancel().catch(() => undefined);
    throw this.statusError(response, what);
  }

  private async *bodyOf(
    response: Response,
    timer: IdleTimer,
    what: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    if (!response.body) return;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        timer.touch();
        yield chunk;
      }
    } catch (error) {
      if (isCipherLensError(error)) throw error;
      throw this.transportError(error, timer, what, signal);
    }
  }

  private transportError(
    error: unknown,
    timer: IdleTimer,
    what: string,
    signal?: AbortSignal,
  ): CipherLensError {
    if (signal?.aborted) return new CipherLensError('CANCELLED', `${what} was cancelled`);
    if (timer.fired) {
      const idle = this.limits.idleTimeoutMs;
      return new CipherLensError(
        'REMOTE_UNREACHABLE',
        `the PACS at ${this.origin} sent nothing for ${idle >= 1000 ? `${Math.round(idle / 1000)} s` : `${idle} ms`} during ${what}`,
      );
    }
    return new CipherLensError(
      'REMOTE_UNREACHABLE',
      `cannot reach the PACS at ${this.origin}: ${describeFetchFailure(error)}`,
      { cause: error },
    );
  }

  private statusError(response: Response, what: string): CipherLensError {
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status === 401 || response.status === 403) {
      return new CipherLensError(
        'REMOTE_AUTH',
        this.authorization
          ? `the PACS at ${this.origin} refused the saved credentials (${status}): check the user name and password or token`
          : `the PACS at ${this.origin} asks for credentials (${status}): add a user name and password or a token`,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      return new CipherLensError(
        'REMOTE_ERROR',
        `the PACS at ${this.origin} redirects ${what} (${status}${location ? ` to ${location}` : ''}); CipherLens does not follow redirects with credentials: use the final URL as the base URL`,
      );
    }
    if (response.status === 404) {
      return new CipherLensError(
        'REMOTE_ERROR',
        `the PACS at ${this.origin} has no ${what.replace(/^the /, '')} at ${new URL(this.baseUrl).pathname} (404): check the DICOMweb base URL, e.g. http://host:8042/dicom-web for Orthanc`,
      );
    }
    return new CipherLensError('REMOTE_ERROR', `the PACS at ${this.origin} answered ${what} with ${status}`);
  }
}

function studySummary(set: DicomJsonDataSet): StudySummary {
  return {
    studyInstanceUid: requiredUid(set, TAG.studyInstanceUid, 'study'),
    patientName: personName(set, TAG.patientName),
    patientId: text(set, TAG.patientId),
    studyDate: text(set, TAG.studyDate),
    description: text(set, TAG.studyDescription),
    accessionNumber: text(set, TAG.accessionNumber),
    modalities: textValues(set, TAG.modalitiesInStudy).filter((m) => m !== ''),
    seriesCount: integer(set, TAG.numberOfStudyRelatedSeries),
    instanceCount: integer(set, TAG.numberOfStudyRelatedInstances),
  };
}

function seriesSummary(set: DicomJsonDataSet): SeriesSummary {
  return {
    seriesInstanceUid: requiredUid(set, TAG.seriesInstanceUid, 'series'),
    modality: text(set, TAG.modality),
    seriesNumber: integer(set, TAG.seriesNumber),
    description: text(set, TAG.seriesDescription),
    bodyPart: text(set, TAG.bodyPartExamined),
    instanceCount: integer(set, TAG.numberOfSeriesRelatedInstances),
  };
}

function instanceSummary(set: DicomJsonDataSet): InstanceSummary {
  return {
    sopInstanceUid: requiredUid(set, TAG.sopInstanceUid, 'instance'),
    sopClassUid: text(set, TAG.sopClassUid),
    instanceNumber: integer(set, TAG.instanceNumber),
  };
}

const orderOf = (value: number | null): number => value ?? Number.MAX_SAFE_INTEGER;
const bySeriesNumber = (a: SeriesSummary, b: SeriesSummary): number =>
  orderOf(a.seriesNumber) - orderOf(b.seriesNumber);
const byInstanceNumber = (a: InstanceSummary, b: InstanceSummary): number =>
  orderOf(a.instanceNumber) - orderOf(b.instanceNumber);
