import { CipherLensError } from '../errors.js';
import { isDicomUid, TAG } from './dicom-json.js';

/** A QIDO-RS study search. Every field is optional; an empty query lists the PACS's studies (up to `limit`). */
export interface StudyQuery {
  /** DICOM wildcard matching: `*` any run of characters, `?` one character ("SMITH*", "*^JOHN"). */
  patientName?: string;
  patientId?: string;
  /** YYYYMMDD, inclusive. */
  dateFrom?: string;
  dateTo?: string;
  /** A modality code such as CT, MR, CR (ModalitiesInStudy). */
  modality?: string;
  limit?: number;
  offset?: number;
}

export const MAX_STUDY_RESULTS = 1000;
export const DEFAULT_STUDY_RESULTS = 100;

/** Attributes asked for on top of the study defaults (PS3.18 Table 10.6.3-3), so the table has its columns. */
const STUDY_FIELDS = [
  TAG.studyDescription,
  TAG.modalitiesInStudy,
  TAG.numberOfStudyRelatedSeries,
  TAG.numberOfStudyRelatedInstances,
];
export const SERIES_FIELDS = [
  TAG.seriesDescription,
  TAG.bodyPartExamined,
  TAG.numberOfSeriesRelatedInstances,
];

// Backslash separates DICOM multi-values and control characters have no place in a match key: both would
// change what the server is asked, not what it matches.
const hasForbidden = (value: string): boolean =>
  [...value].some((char) => char === '\\' || char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);

function matchKey(value: string | undefined, what: string, maxLength: number): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > maxLength) {
    throw new CipherLensError('BAD_INPUT', `${what} is longer than ${maxLength} characters`);
  }
  if (hasForbidden(trimmed)) {
    throw new CipherLensError('BAD_INPUT', `${what} may not contain a backslash or control characters`);
  }
  return trimmed;
}

/** A calendar date as YYYYMMDD; BAD_INPUT naming the field otherwise. */
export function checkDicomDate(value: string, what: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day)
      return value;
  }
  throw new CipherLensError('BAD_INPUT', `${what} "${value}" is not a date written YYYYMMDD (e.g. 20240131)`);
}

/** The query string of a study search; BAD_INPUT for a field the server would misread. */
export function studyQueryParams(query: StudyQuery): URLSearchParams {
  const params = new URLSearchParams();
  const name = matchKey(query.patientName, 'the patient name', 64);
  if (name) params.set('PatientName', name);
  const id = matchKey(query.patientId, 'the patient ID', 64);
  if (id) params.set('PatientID', id);
  const from = query.dateFrom?.trim() ? checkDicomDate(query.dateFrom.trim(), 'the first date') : '';
  const to = query.dateTo?.trim() ? checkDicomDate(query.dateTo.trim(), 'the last date') : '';
  if (from && to && from > to) {
    throw new CipherLensError('BAD_INPUT', `the first date ${from} is after the last date ${to}`);
  }
  // A DICOM date range: "from-to", "from-" (on or after) or "-to" (on or before).
  if (from || to) params.set('StudyDate', from && to && from === to ? from : `${from}-${to}`);
  const modality = query.modality?.trim().toUpperCase();
  if (modality) {
    if (!/^[A-Z0-9_]{1,16}$/.test(modality)) {
      throw new CipherLensError(
        'BAD_INPUT',
        `"${query.modality}" is not a modality code (CT, MR, CR, US, …)`,
      );
    }
    params.set('ModalitiesInStudy', modality);
  }
  const limit = query.limit ?? DEFAULT_STUDY_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_STUDY_RESULTS) {
    throw new CipherLensError('BAD_INPUT', `the result limit must be 1 to ${MAX_STUDY_RESULTS}`);
  }
  params.set('limit', String(limit));
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new CipherLensError('BAD_INPUT', 'the result offset must be a whole number ≥ 0');
  }
  if (offset > 0) params.set('offset', String(offset));
  for (const field of STUDY_FIELDS) params.append('includefield', field);
  return params;
}

/**
 * The query string of `params`, percent-encoding only what must be: DICOM matching characters ("^" between name
 * components, the "*" and "?" wildcards) and "," stay as they are. Some servers do not decode percent escapes in
 * QIDO-RS keys (Orthanc 1.10's DICOMweb plugin matches "DOE%5E*" literally and finds nothing), while every server
 * reads the raw characters, which RFC 3986 allows in a query.
 */
export function queryString(params: URLSearchParams): string {
  const encode = (value: string): string =>
    encodeURIComponent(value).replace(/%(5E|3F|2C|3A|40|2F)/g, (escape) => decodeURIComponent(escape));
  return [...params].map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&');
}

/** A UID that goes into a URL path; anything but digits and dots is refused before a request is made. */
export function checkUid(value: string, what: string): string {
  if (!isDicomUid(value)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `the ${what} "${value.slice(0, 80)}" is not a DICOM UID (digits and dots)`,
    );
  }
  return value;
}
