import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppService } from '../../src/backend/service.js';
import { JOB_RESULT_SCHEMAS } from '../../src/shared/operations.js';
import type { JobState } from '../../src/shared/system.js';
import { writeDicom } from '../core/image/dicom-writer.js';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { base64, brightnessPng, serviceCalls, startTestService, writeBrightnessFolders } from './harness.js';

let service: AppService;
const { call, rejection } = serviceCalls(() => service);
const started: AppService[] = [];

async function finished(jobId: string): Promise<JobState> {
  const state = await service.context.jobs.wait(jobId);
  return call('jobsGet', { jobId: state.id });
}

function first<T>(values: readonly T[]): T {
  expect(values.length).toBeGreaterThan(0);
  return values[0]!;
}

/** Two dark and bright PNGs, a wide PNG, a 16-bit DICOM (all labelled) and one file that is no image. */
async function uploads(): Promise<{ name: string; dataBase64: string; label?: string }[]> {
  return [
    { name: 'dark-a.png', dataBase64: base64(await brightnessPng(30, 1)), label: 'dark' },
    { name: 'bright-a.png', dataBase64: base64(await brightnessPng(220, 2)), label: 'bright' },
    { name: 'wide.png', dataBase64: base64(await brightnessPng(220, 3, 32)), label: 'bright' },
    {
      name: 'scan.dcm',
      dataBase64: base64(
        writeDicom({
          rows: 20,
          columns: 20,
          values: new Array(400).fill(3000),
          window: { center: 1000, width: 500 },
        }),
      ),
      label: 'bright',
    },
    { name: 'junk.png', dataBase64: base64(new TextEncoder().encode('not an image')) },
  ];
}

/** A class-folder tree of 3 dark and 3 bright images, imported by path. */
async function importFolder(): Promise<string> {
  const folder = await temporaryFolder();
  await writeBrightnessFolders(folder, 3);
  return folder;
}

/**
 * Each test starts its own service on its own temporary workspace, so none depends on what another imported:
 * `empty` (demo key active, fixture model), `uploads` (+ the 4 images of uploads()), `library` (+ the 6 of
 * importFolder(): 4 dark, 6 bright).
 */
async function open(seed: 'empty' | 'uploads' | 'library'): Promise<void> {
  service = await startTestService();
  started.push(service);
  if (seed === 'empty') return;
  expect((await call('importUpload', { files: await uploads() })).imported).toHaveLength(4);
  if (seed === 'uploads') return;
  const state = await finished((await call('importPaths', { paths: [await importFolder()] })).jobId);
  expect(state.status).toBe('done');
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('app service, end to end, each test on a fresh temporary workspace', () => {
  it('starts with the demo key active and the fixture model compatible', async () => {
    await open('empty');
    const info = await call('appInfo');
    expect(info.host).toBe('browser');
    expect(info.demoKeyFingerprint).toBe('b574d9e46e54e965');
    const keys = await call('keysStatus');
    expect(keys.active).toMatchObject({ fingerprint: 'b574d9e46e54e965', isDemo: true });
    expect(JSON.stringify(keys)).not.toMatch(/"key"|sealed/);
    const models = await call('modelsList');
    expect(models.activeId).toBe('tiny-inference-model');
    expect(models.models[0]!).toMatchObject({ compatible: true, inputSize: 16, classes: ['dark', 'bright'] });
  });

  it('imports uploads (PNG and DICOM) at the model size, listed with plain and encrypted thumbnails', async () => {
    await open('empty');
    const files = await uploads();
    const result = await call('importUpload', { files });
    expect(result.imported).toHaveLength(4);
    expect(result.skipped).toEqual([expect.objectContaining({ name: 'junk.png', code: 'IMAGE_DECODE' })]);

    const page = await call('libraryList', { limit: 10 });
    expect(page.total).toBe(4);
    expect(page.classes).toEqual([
      { label: 'bright', count: 3 },
      { label: 'dark', count: 1 },
    ]);
    for (const item of page.items) {
      expect(item.size).toBe(16);
      expect(item.canDecrypt).toBe(true);
      expect(item.thumbnails.encrypted).toMatch(/^data:image\/png;base64,/);
      expect(item.thumbnails.plain).toMatch(/^data:image\/png;base64,/);
      expect(item.thumbnails.plain).not.toBe(item.thumbnails.encrypted);
    }
    // A DICOM item's record names neither the file nor where it came from (its encrypted sidecar does).
    const dicom = page.items.find((item) => /^DICOM image [0-9a-f]{8}$/.test(item.name))!;
    expect(dicom.source).not.toContain('scan.dcm');
    expect(dicom.conversion.join(' | ')).toMatch(/DICOM 16-bit.*window C=1000 W=500.*resized 20×20 → 16×16/);
    const darkOnly = await call('libraryList', { label: 'dark' });
    expect(darkOnly.items.map((i: { name: string }) => i.name)).toEqual(['dark-a.png']);
  });

  it('classifies one stored image through the encrypted model input', async () => {
    await open('uploads');
    const dark = first((await call('libraryList', { label: 'dark' })).items);
    const result = await call('classifyImage', { source: { kind: 'item', id: dark.id }, topK: 2 });
    expect(result.predictions[0]!.label).toBe('dark');
    expect(result.predictions[0]!.probability).toBeGreaterThan(0.9);
    expect(result.trueLabel).toBe('dark');
    expect(result.run).toMatchObject({ modelId: 'tiny-inference-model', provider: 'cpu' });
    const stored = first((await call('libraryItems', { ids: [dark.id] })).items);
    expect(stored!.prediction).toMatchObject({ label: 'dark', modelId: 'tiny-inference-model' });
  });

  it('classifies a batch as a job with progress events', async () => {
    await open('uploads');
    const events: JobState[] = [];
    const stop = service.onJobEvent((event) => events.push(event));
    const { jobId } = await call('classifyBatch', {});
    const state = await finished(jobId);
    stop();
    expect(state.status).toBe('done');
    const result = JOB_RESULT_SCHEMAS['classify-batch'].parse(state.result);
    expect(result.results).toHaveLength(4);
    expect(result.accuracy).toBe(1);
    expect(events.some((e) => e.id === jobId && e.status === 'done')).toBe(true);
  });

  it('imports a folder by path as a job, labels from class folders, and refuses a resume with nothing pending', async () => {
    await open('uploads');
    const folder = await importFolder();
    const { jobId } = await call('importPaths', { paths: [folder] });
    const state = await finished(jobId);
    expect(state.status).toBe('done');
    expect(JOB_RESULT_SCHEMAS['import-paths'].parse(state.result).imported).toHaveLength(6);
    const again = await finished((await call('importPaths', { paths: [folder] })).jobId);
    expect(JOB_RESULT_SCHEMAS['import-paths'].parse(again.result)).toMatchObject({
      imported: [],
      alreadyPresent: 6,
    });
    expect((await rejection('importResume', {})).code).toBe('NOT_FOUND');
    expect((await call('workspaceInfo')).itemCount).toBe(10);
  });

  it('retrieves the k most similar images with scores, relevance and precision@k', async () => {
    await open('library');
    const query = first((await call('libraryList', { label: 'dark' })).items);
    const result = await call('retrieveQuery', { source: { kind: 'item', id: query.id }, k: 3 });
    expect(result.results).toHaveLength(3);
    expect(result.indexSize).toBe(10);
    expect(result.results.map((r) => r.id)).not.toContain(query.id);
    expect(result.results[0]!.score).toBeGreaterThanOrEqual(result.results[2]!.score);
    expect(result.results.every((r) => r.relevant === true)).toBe(true);
    expect(result.precisionAtK).toBe(1);
    const status = await call('retrieveIndexStatus');
    expect(status).toMatchObject({ indexed: 10, missing: 0, dimension: 512 });
  });

  it('evaluates the labelled images: confusion matrix, F1, mAP, and the images in a cell', async () => {
    await open('library');
    const state = await finished((await call('evaluateRun', {})).jobId);
    expect(state.status).toBe('done');
    const report = (await call('evaluateGet')).report!;
    expect(report.itemCount).toBe(10);
    expect(report.classification.labels).toEqual(['dark', 'bright']);
    expect(report.classification.matrix).toEqual([
      [4, 0],
      [0, 6],
    ]);
    expect(report.classification.weightedF1).toBe(1);
    expect(report.retrieval!.mAP).toBeGreaterThan(0.9);
    const cell = await call('evaluateCell', { actual: 'dark', predicted: 'dark' });
    expect(cell.ids).toHaveLength(4);
    expect((await call('evaluateCell', { actual: 'dark', predicted: 'bright' })).ids).toEqual([]);
    expect(report.run.input).toBe('encrypted');
  });

  it('reads an evaluation stored by an older version (no record of the model input) without calling it damaged', async () => {
    await open('library');
    expect((await finished((await call('evaluateRun', {})).jobId)).status).toBe('done');
    const path = join((await call('workspaceInfo')).path, 'documents', 'evaluation.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { report: { run: Record<string, unknown> } };
    delete stored.report.run.input;
    await writeFile(path, JSON.stringify(stored));
    const report = (await call('evaluateGet')).report!;
    expect(report.run.input).toBe('unknown');
    expect(report.itemCount).toBe(10);
  });

  it('previews encryption, decrypts containers, and analyses security', async () => {
    await open('uploads');
    const item = first((await call('libraryList', { label: 'bright' })).items);
    const preview = await call('previewCipher', { source: { kind: 'item', id: item.id }, condition: 'xor' });
    expect(preview.roundTripExact).toBe(true);
    expect(preview.size).toBe(16);
    const workspace = (await call('workspaceInfo')).path;
    const container = await readFile(join(workspace, 'items', `${item.id}.clens`));
    const opened = await call('previewDecrypt', {
      source: { kind: 'upload', name: 'x.clens', dataBase64: base64(container) },
    });
    expect(opened.plain).toBe(item.thumbnails.plain);
    const tampered = Buffer.from(container);
    tampered[tampered.length - 40]! ^= 1;
    const error = await rejection('previewDecrypt', {
      source: { kind: 'upload', name: 'x.clens', dataBase64: base64(tampered) },
    });
    expect(error.code).toBe('INTEGRITY');

    const report = await call('securityAnalyze', { source: { kind: 'item', id: item.id }, samplePairs: 100 });
    expect(report.plain.histogram).toHaveLength(256);
    expect(report.encrypted.entropy).toBeGreaterThan(report.plain.entropy);
    expect(report.keySensitivity.critical).toHaveLength(3);
    expect(report.plaintextSensitivity.changedPixels).toBe(1);
    expect(report.notes.length).toBeGreaterThan(0);
  });

  it('rejects bad payloads and unknown operations with clear errors', async () => {
    await open('empty');
    const bad = await rejection('retrieveQuery', { source: { kind: 'item', id: 'x' }, k: 0 });
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.message).toMatch(/invalid retrieveQuery request: k:/);
    expect((await rejection('nope', {})).code).toBe('NOT_FOUND');
    expect(await call('libraryItems', { ids: ['missing'] })).toEqual({ items: [], missing: ['missing'] });
    const missing = await rejection('classifyImage', { source: { kind: 'item', id: 'doesNotExist' } });
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect((await rejection('hostPickPaths', { purpose: 'import-files' })).message).toMatch(
      /no native file dialogs/,
    );
  });

  it('exports a key only passphrase-protected, and imports it back', async () => {
    await open('empty');
    const exported = await call('keysExport', {
      fingerprint: 'b574d9e46e54e965',
      passphrase: 'correct horse',
    });
    expect(exported.protectedText).toMatch(/"protection"/);
    expect(exported.protectedText).not.toMatch(/"key":/);
    const wrong = await rejection('keysImport', {
      source: { kind: 'text', text: exported.protectedText! },
      passphrase: 'wrong pass',
    });
    expect(wrong.code).toBe('BAD_PASSPHRASE');
    const imported = await call('keysImport', {
      source: { kind: 'text', text: exported.protectedText! },
      passphrase: 'correct horse',
      activate: false,
    });
    expect(imported.fingerprint).toBe('b574d9e46e54e965');
  });

  it('explains a key/model mismatch after switching to a new key, and locks items of the other key', async () => {
    await open('uploads');
    const generated = await call('keysGenerate', { label: 'mine' });
    expect(generated.fingerprint).not.toBe('b574d9e46e54e965');
    const models = await call('modelsList');
    expect(models.models[0]!.compatible).toBe(false);
    expect(models.models[0]!.problems[0]).toMatch(/trained for key b574d9e46e54e965, active key is/);
    const item = first((await call('libraryList', { limit: 1 })).items);
    expect(item.canDecrypt).toBe(false);
    expect(item.thumbnails.plain).toBeNull();
    const mismatch = await rejection('classifyImage', { source: { kind: 'item', id: item.id } });
    expect(mismatch.code).toBe('MODEL_MISMATCH');
    const keyring = JSON.parse(
      await readFile(join(service.context.options.stateDir, 'keyring.json'), 'utf8'),
    );
    expect(keyring.keys.map((k: { fingerprint: string }) => k.fingerprint)).toContain(generated.fingerprint);
    await call('keysSelect', { fingerprint: 'b574d9e46e54e965' });
    expect(first((await call('libraryList', { limit: 1 })).items).canDecrypt).toBe(true);
  });

  it('keeps only encrypted containers and records in the workspace', async () => {
    await open('library');
    const workspace = (await call('workspaceInfo')).path;
    const names = await readdir(join(workspace, 'items'));
    // Encrypted images, records, and the encrypted sidecars of DICOM items (docs/workspace.md).
    expect(names.every((name) => /\.(clens|json|clsc)$/.test(name))).toBe(true);
    expect(names.some((name) => name.endsWith('.png'))).toBe(false);
  });
});
