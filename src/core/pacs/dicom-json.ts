import { z } from 'zod';
import { CipherLensError } from '../errors.js';

/**
 * The DICOM JSON model (PS3.18 Annex F) that QIDO-RS answers with: an array of data sets, each an object from an
 * 8-hex-digit tag to `{ vr, Value? }`. Only what the search screens need is read; anything else is ignored, and
 * an answer that is not this shape is refused with REMOTE_ERROR instead of showing half-read rows.
 */

const AttributeSchema = z.looseObject({
  vr: z.string().regex(/^[A-Z]{2}$/),
  Value: z.array(z.unknown()).optional(),
});
const DataSetSchema = z.record(z.string().regex(/^[0-9A-Fa-f]{8}$/), AttributeSchema);
const DataSetsSchema = z.array(DataSetSchema).max(100_000);
export type DicomJsonDataSet = z.infer<typeof DataSetSchema>;

export function parseDicomJson(text: string, what: string): DicomJsonDataSet[] {
  // An empty 204 answer or an empty body means "no matches" in QIDO-RS.
  if (text.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CipherLensError('REMOTE_ERROR', `the server's answer to ${what} is not JSON`);
  }
  const parsed = DataSetsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.map(String).join('.')})` : '';
    throw new CipherLensError(
      'REMOTE_ERROR',
      `the server's answer to ${what} is not a DICOM JSON array of data sets${where}`,
    );
  }
  // Tags are upper-case hex in the standard; some servers send lower case.
  return parsed.data.map((set) =>
    Object.fromEntries(Object.entries(set).map(([t, v]) => [t.toUpperCase(), v])),
  );
}

export const TAG = {
  sopClassUid: '00080016',
  sopInstanceUid: '00080018',
  studyDate: '00080020',
  studyTime: '00080030',
  accessionNumber: '00080050',
  modality: '00080060',
  modalitiesInStudy: '00080061',
  studyDescription: '00081030',
  seriesDescription: '0008103E',
  patientName: '00100010',
  patientId: '00100020',
  patientBirthDate: '00100030',
  bodyPartExamined: '00180015',
  studyInstanceUid: '0020000D',
  seriesInstanceUid: '0020000E',
  seriesNumber: '00200011',
  instanceNumber: '00200013',
  numberOfStudyRelatedSeries: '00201206',
  numberOfStudyRelatedInstances: '00201208',
  numberOfSeriesRelatedInstances: '00201209',
  rows: '00280010',
  columns: '00280011',
} as const;

function values(set: DicomJsonDataSet, tag: string): unknown[] {
  return set[tag]?.Value ?? [];
}

/** Text values (CS, LO, SH, UI, DA, …); numbers are turned into text, anything else is dropped. */
export function textValues(set: DicomJsonDataSet, tag: string): string[] {
  return values(set, tag)
    .map((value) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null))
    .filter((value): value is string => value !== null)
    .map((value) => value.trim());
}

export function text(set: DicomJsonDataSet, tag: string): string | null {
  const first = textValues(set, tag)[0];
  return first === undefined || first === '' ? null : first;
}

/** IS / US / numeric values; a string holding a number is accepted (some servers send IS as text). */
export function integer(set: DicomJsonDataSet, tag: string): number | null {
  const first = values(set, tag)[0];
  const number = typeof first === 'number' ? first : typeof first === 'string' ? Number(first) : NaN;
  return Number.isSafeInteger(number) ? number : null;
}

/** A person name (PN): the alphabetic form; the "^" component separators are shown as ", " and " ". */
export function personName(set: DicomJsonDataSet, tag: string): string | null {
  const first = values(set, tag)[0];
  const alphabetic =
    typeof first === 'string'
      ? first
      : first &&
          typeof first === 'object' &&
          typeof (first as { Alphabetic?: unknown }).Alphabetic === 'string'
        ? (first as { Alphabetic: string }).Alphabetic
        : null;
  if (!alphabetic) return null;
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^');
  const rest = [prefix, given, middle, suffix].filter((part) => part.trim() !== '').join(' ');
  const name = [family.trim(), rest.trim()].filter((part) => part !== '').join(', ');
  return name === '' ? null : name;
}

/** The UID a data set must carry; REMOTE_ERROR naming what is missing otherwise. */
export function requiredUid(set: DicomJsonDataSet, tag: string, what: string): string {
  const uid = text(set, tag);
  if (!uid || !isDicomUid(uid)) {
    throw new CipherLensError('REMOTE_ERROR', `the server listed a ${what} without a valid UID`);
  }
  return uid;
}

/** A DICOM UID: digits and dots, at most 64 characters, no empty component (PS3.5 §9.1). */
export function isDicomUid(value: string): boolean {
  return value.length <= 64 && /^[0-9]+(\.[0-9]+)*$/.test(value);
}
