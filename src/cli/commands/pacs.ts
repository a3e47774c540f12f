import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_CONDITION } from '../../core/crypto/condition.js';
import { encryptToContainer } from '../../core/crypto/container.js';
import type { CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs/atomic.js';
import { readRegularText } from '../../core/fs/read.js';
import type { FitMode } from '../../core/image/decode.js';
import { readImage } from '../../core/image/read-image.js';
import { DicomWebClient, sendsCredentialsInClear, type PacsAuth } from '../../core/pacs/client.js';
import { importPacsSeries } from '../../core/pacs/import-series.js';
import { Workspace } from '../../core/workspace/workspace.js';
import type { CliCommand } from '../command.js';
import {
  loadKeyOption,
  parseCommandArgs,
  parseIntegerOption,
  passphraseOptions,
  pathExists,
  printJson,
  refuseExtraArguments,
  warnIfDemoKey,
} from '../crypto-options.js';
import { createProgressBar } from '../progress.js';
import { formatTable } from '../table.js';

const usage = `Usage: cipherlens pacs search --url URL [credentials] [--patient NAME] [--patient-id ID] [--modality M]
                            [--from YYYYMMDD] [--to YYYYMMDD] [--limit N] [--json]
       cipherlens pacs series --url URL [credentials] --study UID [--json]
       cipherlens pacs import --url URL [credentials] --study UID [--series UID …] --key K
                            (--workspace DIR | --out DIR) [--size N] [--fit resize|pad] [--label L] [--json]

  search   QIDO-RS study search on a PACS's DICOMweb service. --patient takes DICOM wildcards: * any run of
           characters, ? one character ("DOE*", "DOE^J*").
  series   the series of one study (number, modality, description, images, UID)
  import   retrieves (WADO-RS) every image of the chosen series (all series of the study without --series) and
           encrypts it with --key: into a workspace (--workspace, as the app imports; run the same command again
           to resume, images already there are recognised by a keyed hash of their SOP Instance UID and not
           downloaded again), or as .clens containers into a folder (--out DIR/series-N/image-K.clens; existing
           files are skipped). Names say modality, series and image number, never patient data.

Options:
  --url URL              the DICOMweb root, e.g. https://pacs.example.org/dicom-web (Orthanc: http://host:8042/dicom-web)
  --user U               basic auth user; the password from --password-file F or --password-env VAR
  --token-file F | --token-env VAR
                         a bearer token instead (secrets never come from the command line: ps and shell history)
  --key K                the key to encrypt with (--passphrase-env VAR | --passphrase-file F when protected)
  --size N               import size in pixels (default 64, the shipped MedNIST models' input)
  --fit resize|pad       how a non-square image becomes square (default resize)
  --timeout S            seconds without an answer before giving up (default 30)
  --json                 print a JSON report on stdout`;

const DEFAULT_SIZE = 64;
const MAX_SECRET_FILE_BYTES = 64 * 1024;

const options = {
  url: { type: 'string' },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  'password-env': { type: 'string' },
  'token-file': { type: 'string' },
  'token-env': { type: 'string' },
  patient: { type: 'string' },
  'patient-id': { type: 'string' },
  modality: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  study: { type: 'string' },
  series: { type: 'string', multiple: true },
  key: { type: 'string' },
  ...passphraseOptions,
  workspace: { type: 'string' },
  out: { type: 'string' },
  size: { type: 'string' },
  fit: { type: 'string' },
  label: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

/** A secret from a file (one line) or an environment variable, never from argv. */
async function readSecret(
  file: string | undefined,
  env: string | undefined,
  what: string,
): Promise<string | null> {
  if (file !== undefined && env !== undefined) {
    throw new CipherLensError('BAD_INPUT', `give the ${what} as a file or an environment variable, not both`);
  }
  let secret: string | null = null;
  if (file !== undefined) {
    secret = (await readRegularText(file, MAX_SECRET_FILE_BYTES, { what: `${what} file ${file}` })).replace(
      /\r?\n$/,
      '',
    );
  } else if (env !== undefined) {
    secret = process.env[env] ?? null;
    if (secret === null) throw new CipherLensError('BAD_INPUT', `environment variable ${env} is not set`);
  }
  if (secret === '') throw new CipherLensError('BAD_INPUT', `the ${what} is empty`);
  return secret;
}

async function authOf(values: Values): Promise<PacsAuth> {
  const password = await readSecret(values['password-file'], values['password-env'], 'password');
  const token = await readSecret(values['token-file'], values['token-env'], 'token');
  if (token !== null && (values.user !== undefined || password !== null)) {
    throw new CipherLensError('BAD_INPUT', 'give --user with a password, or a token, not both');
  }
  if (token !== null) return { kind: 'bearer', token };
  if (values.user !== undefined) {
    if (password === null) {
      throw new CipherLensError(
        'BAD_INPUT',
        `--user ${values.user} needs --password-file F or --password-env VAR`,
      );
    }
    return { kind: 'basic', user: values.user, password };
  }
  if (password !== null) throw new CipherLensError('BAD_INPUT', 'a password needs --user');
  return { kind: 'none' };
}

async function clientOf(values: Values): Promise<DicomWebClient> {
  if (!values.url) throw new CipherLensError('BAD_INPUT', '--url URL (the DICOMweb root) is required');
  const auth = await authOf(values);
  const timeout = parseIntegerOption(values.timeout, 'timeout', 1, 3600) ?? 30;
  const client = new DicomWebClient({ baseUrl: values.url, auth, limits: { idleTimeoutMs: timeout * 1000 } });
  if (sendsCredentialsInClear(client.baseUrl, auth)) {
    process.stderr.write(
      `warning: ${client.origin} is plain http on another machine: the credentials cross the network unencrypted\n`,
    );
  }
  return client;
}

const dash = (value: string | number | null): string =>
  value === null || value === '' ? '—' : String(value);
const isoDate = (value: string | null): string =>
  value && /^\d{8}$/.test(value)
    ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`
    : dash(value);

async function search(values: Values): Promise<number> {
  const client = await clientOf(values);
  const result = await client.searchStudies({
    ...(values.patient !== undefined ? { patientName: values.patient } : {}),
    ...(values['patient-id'] !== undefined ? { patientId: values['patient-id'] } : {}),
    ...(values.modality !== undefined ? { modality: values.modality } : {}),
    ...(values.from !== undefined ? { dateFrom: values.from } : {}),
    ...(values.to !== undefined ? { dateTo: values.to } : {}),
    limit: parseIntegerOption(values.limit, 'limit', 1, 1000) ?? 100,
  });
  if (values.json) {
    printJson({ url: client.baseUrl, ...result });
    return 0;
  }
  const rows = result.studies.map((s) => [
    isoDate(s.studyDate),
    dash(s.patientName),
    dash(s.patientId),
    s.modalities.join(',') || '—',
    dash(s.description),
    dash(s.seriesCount),
    dash(s.instanceCount),
    s.studyInstanceUid,
  ]);
  const lines = formatTable(
    ['date', 'patient', 'patient ID', 'modality', 'description', 'series', 'images', 'study UID'],
    rows,
    ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'left'],
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `${result.studies.length} stud${result.studies.length === 1 ? 'y' : 'ies'} on ${client.origin}${result.mayHaveMore ? ' (there may be more: narrow the search or raise --limit)' : ''}\n`,
  );
  return 0;
}

function requireStudy(values: Values): string {
  if (!values.study)
    throw new CipherLensError('BAD_INPUT', '--study UID is required (see `cipherlens pacs search`)');
  return values.study;
}

async function series(values: Values): Promise<number> {
  const client = await clientOf(values);
  const list = await client.listSeries(requireStudy(values));
  if (values.json) {
    printJson({ url: client.baseUrl, studyInstanceUid: values.study, series: list });
    return 0;
  }
  const lines = formatTable(
    ['number', 'modality', 'description', 'body part', 'images', 'series UID'],
    list.map((s) => [
      dash(s.seriesNumber),
      dash(s.modality),
      dash(s.description),
      dash(s.bodyPart),
      dash(s.instanceCount),
      s.seriesInstanceUid,
    ]),
    ['right', 'left', 'left', 'left', 'right', 'left'],
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function parseFit(text: string | undefined): FitMode {
  if (text === undefined || text === 'resize') return 'resize';
  if (text === 'pad') return 'pad';
  throw new CipherLensError('BAD_INPUT', `--fit must be resize or pad, got "${text}"`);
}

interface ImportReport {
  imported: number;
  alreadyPresent: number;
  skipped: { name: string; code: string; reason: string }[];
}

async function importInto(values: Values): Promise<number> {
  const client = await clientOf(values);
  const study = requireStudy(values);
  if (Boolean(values.workspace) === Boolean(values.out)) {
    throw new CipherLensError(
      'BAD_INPUT',
      'give --workspace DIR (import as the app does) or --out DIR (.clens files)',
    );
  }
  const key = await loadKeyOption(values);
  warnIfDemoKey(key);
  const size = parseIntegerOption(values.size, 'size', 2, 4096) ?? DEFAULT_SIZE;
  const fit = parseFit(values.fit);
  const chosen = values.series?.length
    ? values.series
    : (await client.listSeries(study)).map((s) => s.seriesInstanceUid);
  if (chosen.length === 0) throw new CipherLensError('NOT_FOUND', 'the study has no series on the PACS');

  const controller = new AbortController();
  const stop = (): void => {
    process.stderr.write('\nstopping after the current image; run the same command again to continue\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  const bar = createProgressBar('importing', 0);
  const job: SeriesImport = {
    client,
    study,
    chosen,
    key,
    size,
    fit,
    label: values.label,
    signal: controller.signal,
    bar,
  };
  let report: ImportReport;
  try {
    report = values.workspace
      ? await intoWorkspace(values.workspace, job)
      : await intoFolder(values.out!, job);
  } finally {
    process.off('SIGINT', stop);
  }
  bar.finish();
  for (const skip of report.skipped) {
    process.stderr.write(`cipherlens pacs import: ${skip.name}: error [${skip.code}]: ${skip.reason}\n`);
  }
  if (values.json) printJson({ url: client.baseUrl, studyInstanceUid: study, series: chosen, ...report });
  else {
    process.stdout.write(
      `imported ${report.imported} images from ${client.origin} (key ${key.fingerprint})${report.alreadyPresent ? `, ${report.alreadyPresent} already there` : ''}${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}\n`,
    );
  }
  return report.skipped.length > 0 ? 1 : 0;
}

/** What both import targets need: the series chosen, how to convert them, and how to report and stop. */
interface SeriesImport {
  client: DicomWebClient;
  study: string;
  chosen: string[];
  key: CipherKey;
  size: number;
  fit: FitMode;
  label: string | undefined;
  signal: AbortSignal;
  bar: ReturnType<typeof createProgressBar>;
}

async function intoWorkspace(
  folder: string,
  { client, study, chosen, key, size, fit, label, signal, bar }: SeriesImport,
): Promise<ImportReport> {
  const workspace = await Workspace.open(resolve(folder), { create: true });
  const outcome = await importPacsSeries(
    workspace,
    client,
    { studyInstanceUid: study, seriesInstanceUids: chosen },
    {
      key,
      condition: DEFAULT_CONDITION,
      fit,
      // The same tag as the app's PACS import with these options, so either one resumes the other.
      conversionTag: JSON.stringify({ pacs: true, size, fit, frame: 0, window: 'file' }),
      decodeOptions: { size, fit, dicomFrame: 0, dicomWindow: 'file' },
      label: label ?? null,
      signal,
      onProgress: (done, total) => bar.update(done, total),
    },
  );
  return {
    imported: outcome.imported.length,
    alreadyPresent: outcome.alreadyPresent,
    skipped: outcome.skipped,
  };
}

async function intoFolder(
  folder: string,
  { client, study, chosen, key, size, fit, label, signal, bar }: SeriesImport,
): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, alreadyPresent: 0, skipped: [] };
  const all = new Map((await client.listSeries(study, signal)).map((s) => [s.seriesInstanceUid, s]));
  const plan: { series: string; sop: string; name: string; path: string }[] = [];
  for (const [index, seriesUid] of chosen.entries()) {
    const info = all.get(seriesUid);
    if (!info) throw new CipherLensError('NOT_FOUND', `series ${seriesUid} is not in this study on the PACS`);
    const number = info.seriesNumber ?? index + 1;
    for (const [position, instance] of (await client.listInstances(study, seriesUid, signal)).entries()) {
      const image = instance.instanceNumber ?? position + 1;
      plan.push({
        series: seriesUid,
        sop: instance.sopInstanceUid,
        name: `${info.modality ?? 'DICOM'} series ${number} image ${image}`,
        path: join(folder, `series-${number}`, `image-${image}.clens`),
      });
    }
  }
  for (const [done, entry] of plan.entries()) {
    bar.update(done, plan.length);
    if (signal.aborted)
      throw new CipherLensError('CANCELLED', `stopped after ${done} of ${plan.length} images`);
    if (await pathExists(entry.path)) {
      report.alreadyPresent++;
      continue;
    }
    try {
      const bytes = await client.retrieveInstance(study, entry.series, entry.sop, signal);
      const image = await readImage(bytes, { size, fit, name: entry.name });
      const container = encryptToContainer(key, DEFAULT_CONDITION, image.width, image.pixels, {
        name: entry.name,
        ...(label === undefined ? {} : { label }),
      });
      await mkdir(join(entry.path, '..'), { recursive: true });
      await writeFileAtomic(entry.path, container);
      report.imported++;
    } catch (error) {
      const code = isCipherLensError(error) ? error.code : 'IMAGE_DECODE';
      if (code === 'REMOTE_AUTH' || code === 'REMOTE_UNREACHABLE' || code === 'CANCELLED') throw error;
      report.skipped.push({ name: entry.name, code, reason: describeError(error) });
    }
  }
  bar.update(plan.length, plan.length);
  return report;
}

const pacs: CliCommand = {
  name: 'pacs',
  summary: 'search a PACS (DICOMweb) and import series from it, encrypted',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('pacs', argv, options);
    const [action, ...rest] = positionals;
    refuseExtraArguments(rest);
    if (action === 'search') return search(values);
    if (action === 'series') return series(values);
    if (action === 'import') return importInto(values);
    throw new CipherLensError(
      'BAD_INPUT',
      `${action ? `unknown action "${action}"` : 'an action is required'}: search, series or import (see \`cipherlens pacs --help\`)`,
    );
  },
};

export default pacs;
