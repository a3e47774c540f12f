/**
 * DICOM files for the PACS tests, written by the tests' own DICOM writer with the patient, study and series
 * attributes a PACS indexes. Shared by the Vitest suites and the e2e spec.
 */
import { randomBytes } from 'node:crypto';
import { writeDicom, type DicomElement } from '../core/image/dicom-writer.js';

/** A fresh UID under the "2.25." root (a UUID written as a decimal integer, PS3.5 §B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString()}`;
}

export interface SeriesSpec {
  modality: string;
  seriesNumber: number;
  description?: string;
  /** One grey image per instance, `size`×`size`; 8-bit values 0–255. */
  images: Uint8Array[];
  size: number;
}

export interface StudySpec {
  patientName: string;
  patientId: string;
  studyDate: string;
  description?: string;
  series: SeriesSpec[];
}

export interface WrittenStudy {
  studyInstanceUid: string;
  series: { seriesInstanceUid: string; sopInstanceUids: string[]; files: Uint8Array[] }[];
}

/** The files of one study: every instance of every series, with its UIDs. */
export function writeStudy(spec: StudySpec): WrittenStudy {
  const studyInstanceUid = newUid();
  return {
    studyInstanceUid,
    series: spec.series.map((series) => {
      const seriesInstanceUid = newUid();
      const sopInstanceUids: string[] = [];
      const files = series.images.map((pixels, index) => {
        const sopInstanceUid = newUid();
        sopInstanceUids.push(sopInstanceUid);
        const extra: DicomElement[] = [
          { tag: [0x0008, 0x0018], vr: 'UI', value: sopInstanceUid },
          { tag: [0x0008, 0x0020], vr: 'DA', value: spec.studyDate },
          { tag: [0x0008, 0x0060], vr: 'CS', value: series.modality },
          { tag: [0x0008, 0x1030], vr: 'LO', value: spec.description ?? 'TEST STUDY' },
          { tag: [0x0008, 0x103e], vr: 'LO', value: series.description ?? `SERIES ${series.seriesNumber}` },
          { tag: [0x0010, 0x0010], vr: 'PN', value: spec.patientName },
          { tag: [0x0010, 0x0020], vr: 'LO', value: spec.patientId },
          { tag: [0x0020, 0x000d], vr: 'UI', value: studyInstanceUid },
          { tag: [0x0020, 0x000e], vr: 'UI', value: seriesInstanceUid },
          { tag: [0x0020, 0x0011], vr: 'IS', value: String(series.seriesNumber) },
          { tag: [0x0020, 0x0013], vr: 'IS', value: String(index + 1) },
        ];
        return writeDicom({
          rows: series.size,
          columns: series.size,
          bitsAllocated: 8,
          values: pixels,
          extra,
        });
      });
      return { seriesInstanceUid, sopInstanceUids, files };
    }),
  };
}

/** A distinct grey test picture per seed: a bright disc on a dark, textured background. */
export function discImage(size: number, seed: number): Uint8Array {
  const pixels = new Uint8Array(size * size);
  const centre = size / 2 + (seed % 5) - 2;
  const radius = size / 4 + (seed % 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius ** 2;
      pixels[y * size + x] = inside ? 180 + ((x + seed) % 60) : 10 + ((x * 3 + y + seed) % 20);
    }
  }
  return pixels;
}
