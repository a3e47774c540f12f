import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptContainer } from '../../src/core/crypto/container.js';
import { loadKeyFile } from '../../src/core/crypto/keys.js';
import { Workspace } from '../../src/core/workspace/workspace.js';
import { readFile } from 'node:fs/promises';
import { temporaryFolder } from '../core/workspace/helpers.js';
import { discImage, writeStudy, type WrittenStudy } from '../support/pacs-fixtures.js';
import { orthancUsable, startOrthanc, type OrthancServer } from '../support/orthanc.js';
import { DEMO_KEY } from '../backend/harness.js';
import { runCli } from './run-cli.js';

const usable = orthancUsable('cipherlens pacs CLI tests against Orthanc');

describe.skipIf(!usable)('cipherlens pacs', () => {
  let orthanc: OrthancServer;
  let study: WrittenStudy;
  let dir: string;
  let passwordFile: string;
  const credentials = (): string[] => [
    '--url',
    orthanc.dicomWebUrl,
    '--user',
    orthanc.user,
    '--password-file',
    passwordFile,
  ];

  beforeAll(async () => {
    orthanc = await startOrthanc();
    study = writeStudy({
      patientName: 'LISTER^JOSEPH',
      patientId: 'CLI-42',
      studyDate: '20240502',
      description: 'CR HAND',
      series: [
        { modality: 'CR', seriesNumber: 1, size: 32, images: [1, 2].map((s) => discImage(32, s)) },
        { modality: 'CR', seriesNumber: 2, size: 32, images: [discImage(32, 3)] },
      ],
    });
    for (const series of study.series) for (const file of series.files) await orthanc.upload(file);
    dir = await temporaryFolder('cipherlens-pacs-cli-');
    passwordFile = join(dir, 'password.txt');
    await writeFile(passwordFile, `${orthanc.password}\n`);
  }, 60_000);

  afterAll(async () => {
    await orthanc?.stop();
  });

  it('searches with filters and prints a table or JSON', async () => {
    const table = await runCli(
      'pacs',
      'search',
      ...credentials(),
      '--patient',
      'LISTER*',
      '--modality',
      'CR',
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('LISTER, JOSEPH');
    expect(table.stdout).toContain('2024-05-02');
    expect(table.stdout).toContain(study.studyInstanceUid);
    const json = await runCli(
      'pacs',
      'search',
      ...credentials(),
      '--patient-id',
      'CLI-42',
      '--from',
      '20240101',
      '--to',
      '20241231',
      '--json',
    );
    expect(
      JSON.parse(json.stdout).studies.map((s: { studyInstanceUid: string }) => s.studyInstanceUid),
    ).toEqual([study.studyInstanceUid]);
    const none = await runCli('pacs', 'search', ...credentials(), '--modality', 'MR', '--json');
    expect(JSON.parse(none.stdout).studies).toEqual([]);
  });

  it('lists series and refuses bad credentials, bad dates and secrets on the command line', async () => {
    const list = await runCli('pacs', 'series', ...credentials(), '--study', study.studyInstanceUid);
    expect(list.stdout).toContain(study.series[1]!.seriesInstanceUid);
    const wrongFile = join(dir, 'wrong.txt');
    await writeFile(wrongFile, 'wrong');
    const wrong = await runCli(
      'pacs',
      'search',
      '--url',
      orthanc.dicomWebUrl,
      '--user',
      orthanc.user,
      '--password-file',
      wrongFile,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('error [REMOTE_AUTH]');
    const date = await runCli('pacs', 'search', ...credentials(), '--from', '2024-05-02');
    expect(date.stderr).toContain('YYYYMMDD');
    const argvSecret = await runCli('pacs', 'search', '--url', orthanc.dicomWebUrl, '--password', 'x');
    expect(argvSecret.code).toBe(1);
    expect(argvSecret.stderr).toContain("Unknown option '--password'");
  });

  it('imports a series into a workspace and skips it when run again', async () => {
    const workspace = join(dir, 'workspace');
    const args = [
      'pacs',
      'import',
      ...credentials(),
      '--study',
      study.studyInstanceUid,
      '--series',
      study.series[0]!.seriesInstanceUid,
      '--key',
      DEMO_KEY,
      '--workspace',
      workspace,
      '--json',
    ];
    const first = await runCli(...args);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 2, alreadyPresent: 0, skipped: [] });
    const opened = await Workspace.open(workspace);
    expect(
      opened
        .list()
        .map((item) => item.name)
        .sort(),
    ).toEqual(['CR series 1 image 1', 'CR series 1 image 2']);
    const again = await runCli(...args);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, alreadyPresent: 2 });
  });

  it('writes every series of the study as .clens files that the key opens', async () => {
    const out = join(dir, 'containers');
    const result = await runCli(
      'pacs',
      'import',
      ...credentials(),
      '--study',
      study.studyInstanceUid,
      '--key',
      DEMO_KEY,
      '--out',
      out,
      '--size',
      '32',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ imported: 3 });
    expect((await readdir(out)).sort()).toEqual(['series-1', 'series-2']);
    const key = await loadKeyFile(DEMO_KEY);
    const opened = decryptContainer(key, await readFile(join(out, 'series-1', 'image-2.clens')), 'image-2');
    expect(opened.pixels).toHaveLength(32 * 32);
    const again = await runCli(
      'pacs',
      'import',
      ...credentials(),
      '--study',
      study.studyInstanceUid,
      '--key',
      DEMO_KEY,
      '--out',
      out,
      '--json',
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, alreadyPresent: 3 });
  });
});
