import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  normaliseBaseUrl,
  sendsCredentialsInClear,
} from '../../../src/core/pacs/client.js';
import { parseDicomJson, personName } from '../../../src/core/pacs/dicom-json.js';
import { checkDicomDate, checkUid, queryString, studyQueryParams } from '../../../src/core/pacs/query.js';

describe('studyQueryParams', () => {
  it('turns the search fields into QIDO-RS matching keys', () => {
    const params = studyQueryParams({
      patientName: ' DOE^J* ',
      patientId: 'PAT-001',
      dateFrom: '20240101',
      dateTo: '20241231',
      modality: 'ct',
      limit: 20,
      offset: 40,
    });
    expect(params.get('PatientName')).toBe('DOE^J*');
    expect(params.get('PatientID')).toBe('PAT-001');
    expect(params.get('StudyDate')).toBe('20240101-20241231');
    expect(params.get('ModalitiesInStudy')).toBe('CT');
    expect(params.get('limit')).toBe('20');
    expect(params.get('offset')).toBe('40');
    expect(params.getAll('includefield')).toContain('00081030');
  });

  it('writes open date ranges and leaves out empty fields', () => {
    expect(studyQueryParams({ dateFrom: '20240101' }).get('StudyDate')).toBe('20240101-');
    expect(studyQueryParams({ dateTo: '20240101' }).get('StudyDate')).toBe('-20240101');
    expect(studyQueryParams({ dateFrom: '20240101', dateTo: '20240101' }).get('StudyDate')).toBe('20240101');
    const empty = studyQueryParams({ patientName: '  ', modality: '' });
    expect(empty.has('PatientName')).toBe(false);
    expect(empty.has('ModalitiesInStudy')).toBe(false);
    expect(empty.get('limit')).toBe('100');
  });

  it('refuses what the server would misread', () => {
    expect(() => studyQueryParams({ patientName: 'A\\B' })).toThrow(/backslash/);
    expect(() => studyQueryParams({ patientId: 'x\ny' })).toThrow(/control/);
    expect(() => studyQueryParams({ dateFrom: '2024-01-01' })).toThrow(/YYYYMMDD/);
    expect(() => studyQueryParams({ dateFrom: '20240231' })).toThrow(/YYYYMMDD/);
    expect(() => studyQueryParams({ dateFrom: '20240301', dateTo: '20240201' })).toThrow(/after/);
    expect(() => studyQueryParams({ modality: 'C T' })).toThrow(/modality code/);
    expect(() => studyQueryParams({ limit: 0 })).toThrow(/limit/);
    expect(() => studyQueryParams({ patientName: 'x'.repeat(65) })).toThrow(/longer than 64/);
  });

  it('checks dates and UIDs', () => {
    expect(checkDicomDate('20240229', 'd')).toBe('20240229');
    expect(() => checkDicomDate('20230229', 'd')).toThrow();
    expect(checkUid('1.2.840.10008.1.2', 'x')).toBe('1.2.840.10008.1.2');
    for (const bad of ['1..2', '../1.2', '1.2/3', '', '1.2.', `1.${'2'.repeat(70)}`]) {
      expect(() => checkUid(bad, 'study UID')).toThrow(/not a DICOM UID/);
    }
  });
});

describe('connection settings', () => {
  it('normalises the base URL and refuses credentials, queries and other schemes in it', () => {
    expect(normaliseBaseUrl(' http://127.0.0.1:8042/dicom-web/ ')).toBe('http://127.0.0.1:8042/dicom-web');
    expect(() => normaliseBaseUrl('ftp://pacs/dicom-web')).toThrow(/https/);
    expect(() => normaliseBaseUrl('http://user:pw@pacs/dicom-web')).toThrow(/credential fields/);
    expect(() => normaliseBaseUrl('http://pacs/dicom-web?x=1')).toThrow(/query/);
    expect(() => normaliseBaseUrl('not a url')).toThrow(/not a URL/);
  });

  it('builds basic and bearer headers and refuses header injection', () => {
    expect(authorizationHeader({ kind: 'basic', user: 'ann', password: 'pä ss' })).toBe(
      `Basic ${Buffer.from('ann:pä ss').toString('base64')}`,
    );
    expect(authorizationHeader({ kind: 'bearer', token: 'abc.DEF-_~+/=' })).toBe('Bearer abc.DEF-_~+/=');
    expect(authorizationHeader({ kind: 'none' })).toBeNull();
    expect(() => authorizationHeader({ kind: 'bearer', token: 'a\r\nX-Evil: 1' })).toThrow(/token/);
    expect(() => authorizationHeader({ kind: 'basic', user: 'a:b', password: 'c' })).toThrow(/":"/);
  });

  it('knows when credentials would cross a network in clear', () => {
    const basic = { kind: 'basic' as const, user: 'u', password: 'p' };
    expect(sendsCredentialsInClear('http://pacs.hospital.org/dicom-web', basic)).toBe(true);
    expect(sendsCredentialsInClear('https://pacs.hospital.org/dicom-web', basic)).toBe(false);
    expect(sendsCredentialsInClear('http://127.0.0.1:8042/dicom-web', basic)).toBe(false);
    expect(sendsCredentialsInClear('http://[::1]:8042/dicom-web', basic)).toBe(false);
    expect(sendsCredentialsInClear('http://pacs.hospital.org/dicom-web', { kind: 'none' })).toBe(false);
  });
});

describe('DICOM JSON', () => {
  it('reads person names and refuses answers that are not DICOM JSON', () => {
    const [set] = parseDicomJson('[{"00100010":{"vr":"PN","Value":[{"Alphabetic":"DOE^JANE^Q^DR"}]}}]', 'x');
    expect(personName(set!, '00100010')).toBe('DOE, DR JANE Q');
    expect(parseDicomJson('', 'x')).toEqual([]);
    expect(() => parseDicomJson('<html>', 'the search')).toThrow(/not JSON/);
    expect(() => parseDicomJson('{"a":1}', 'the search')).toThrow(/not a DICOM JSON array/);
    expect(() => parseDicomJson('[{"zz":{"vr":"PN"}}]', 'the search')).toThrow(/not a DICOM JSON array/);
  });
});

describe('queryString', () => {
  it('keeps DICOM matching characters raw and encodes the rest', () => {
    const params = new URLSearchParams([
      ['PatientName', 'DOE^MARY ANN*'],
      ['PatientID', 'a&b=c+d#e%?'],
    ]);
    expect(queryString(params)).toBe('PatientName=DOE^MARY%20ANN*&PatientID=a%26b%3Dc%2Bd%23e%25?');
  });
});
