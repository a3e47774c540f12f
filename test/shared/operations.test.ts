import { describe, expect, it } from 'vitest';
import {
  API_OPERATIONS,
  CipherLensApiError,
  OPERATION_NAMES,
  parseRequest,
  parseResponse,
  type CipherLensApi,
} from '../../src/shared/index.js';

describe('API_OPERATIONS', () => {
  it('has a request and a response schema for exactly the named operations', () => {
    expect(Object.keys(API_OPERATIONS).sort()).toEqual([...OPERATION_NAMES].sort());
  });

  it('fills defaults so the back end gets complete requests', () => {
    const request = parseRequest('retrieveQuery', { source: { kind: 'item', id: 'abc' } });
    expect(request.k).toBe(10);
    expect(request.conversion).toEqual({ fit: 'resize', dicomFrame: 0, dicomWindow: 'file' });
    expect(parseRequest('libraryList', undefined)).toMatchObject({ offset: 0, limit: 48, unlabelled: false });
    expect(parseRequest('modelsTrain', { dataset: 'mnist' })).toEqual({
      dataset: 'mnist',
      architecture: 'dcnn',
      replace: false,
      activate: true,
    });
  });
});

describe('parseRequest rejects bad payloads with a message naming the field', () => {
  const rejects = (operation: Parameters<typeof parseRequest>[0], payload: unknown, fragment: string) => {
    let caught: unknown;
    try {
      parseRequest(operation, payload);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CipherLensApiError);
    expect((caught as CipherLensApiError).code).toBe('BAD_INPUT');
    expect((caught as CipherLensApiError).message).toContain(`invalid ${operation} request`);
    expect((caught as CipherLensApiError).message).toContain(fragment);
  };

  it('unknown keys (requests are strict)', () => rejects('keysStatus', { extra: 1 }, 'extra'));
  it('a k out of range', () => rejects('retrieveQuery', { source: { kind: 'item', id: 'a' }, k: 0 }, 'k:'));
  it('an unknown image source kind', () =>
    rejects('classifyImage', { source: { kind: 'url', url: 'x' } }, 'source'));
  it('an item id with path characters', () => rejects('libraryItems', { ids: ['../etc'] }, 'ids.0'));
  it('non-base64 upload bytes', () =>
    rejects('importUpload', { files: [{ name: 'a.png', dataBase64: 'not base64!' }] }, 'dataBase64'));
  it('an unknown condition', () =>
    rejects('previewCipher', { source: { kind: 'item', id: 'a' }, condition: 'rot13' }, 'condition'));
  it('a short export passphrase', () =>
    rejects('keysExport', { fingerprint: 'b574d9e46e54e965', passphrase: 'short' }, 'at least 8'));
  it('a malformed fingerprint', () => rejects('keysSelect', { fingerprint: 'B574' }, 'fingerprint'));
  it('a non-object payload', () => rejects('libraryList', 'hello', 'request'));
  it('an empty label', () => rejects('libraryUpdate', { id: 'a', label: '   ' }, 'label'));
  it('an unknown dataset', () => rejects('importDataset', { dataset: 'cifar' }, 'dataset'));
  it('a model to train on an unknown dataset', () => rejects('modelsTrain', { dataset: 'cifar' }, 'dataset'));
  it('an architecture the app does not train', () =>
    rejects('modelsTrain', { dataset: 'mnist', architecture: 'resnet' }, 'architecture'));
  it('a model upload without its card', () =>
    rejects(
      'modelsImport',
      { source: { kind: 'upload', onnxName: 'm.onnx', onnxBase64: 'AAAA' } },
      'cardText',
    ));
});

describe('parseResponse', () => {
  it('turns a malformed response into an INTERNAL error', () => {
    expect(() => parseResponse('jobsCancel', { ok: false })).toThrow(/invalid jobsCancel response/);
  });
  it('accepts a well-formed response', () => {
    expect(parseResponse('jobsCancel', { ok: true })).toEqual({ ok: true });
  });
});

describe('CipherLensApi typing', () => {
  it('lets operations without required fields be called with no argument', () => {
    // Compile-time: these lines type-check only if the optional-argument mapping works.
    const call = (api: CipherLensApi) => [api.keysStatus(), api.libraryList(), api.jobsGet({ jobId: 'x' })];
    expect(typeof call).toBe('function');
  });
});
