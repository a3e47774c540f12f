/**
 * A real PACS for the tests: Debian's Orthanc with its DICOMweb plugin, started on a free loopback port with a
 * temporary configuration and storage folder, never as a system service. Used by the Vitest suites
 * (test/core/pacs, test/backend/pacs*.test.ts) and the Playwright e2e spec (e2e/browser/*-pacs.spec.ts).
 *
 * Where Orthanc or its plugin is absent the suites skip LOUDLY; with CIPHERLENS_REQUIRE_ALL=1 (set by .ci/run)
 * they fail instead, like the other optional tools (scripts/test-all.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY_CANDIDATES = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc', '/usr/local/bin/Orthanc'];
const PLUGIN_FOLDERS = ['/usr/share/orthanc/plugins', '/usr/lib/orthanc', '/usr/local/share/orthanc/plugins'];

export interface OrthancAvailability {
  binary: string | null;
  plugin: string | null;
  /** Why Orthanc cannot be used here; null when it can. */
  missing: string | null;
}

function findPlugin(): string | null {
  const override = process.env['ORTHANC_DICOMWEB_PLUGIN'];
  if (override) return existsSync(override) ? override : null;
  for (const folder of PLUGIN_FOLDERS) {
    if (!existsSync(folder)) continue;
    const names = readdirSync(folder)
      .filter((name) => /^libOrthancDicomWeb\.so(\.|$)/.test(name))
      .sort((a, b) => a.length - b.length);
    if (names[0]) return join(folder, names[0]);
  }
  return null;
}

export function orthancAvailability(): OrthancAvailability {
  const override = process.env['ORTHANC_BINARY'];
  const binary = override
    ? existsSync(override)
      ? override
      : null
    : (BINARY_CANDIDATES.find((path) => existsSync(path)) ?? null);
  const plugin = findPlugin();
  const missing = !binary
    ? 'Orthanc is not installed (apt-get install orthanc orthanc-dicomweb)'
    : !plugin
      ? 'the Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb)'
      : null;
  return { binary, plugin, missing };
}

/**
 * True when the PACS tests can run. Otherwise prints a loud notice (the caller skips), or throws when
 * CIPHERLENS_REQUIRE_ALL=1: in CI a missing Orthanc is a failure, not a skip.
 */
export function orthancUsable(suite: string): boolean {
  const { missing } = orthancAvailability();
  if (!missing) return true;
  if (process.env['CIPHERLENS_REQUIRE_ALL'] === '1') {
    throw new Error(`${suite}: required (CIPHERLENS_REQUIRE_ALL=1) but ${missing}`);
  }
  console.warn(`\n*** SKIPPING ${suite}: ${missing} ***\n`);
  return false;
}

export interface OrthancServer {
  /** http://127.0.0.1:<port> — Orthanc's REST API. */
  readonly url: string;
  /** The DICOMweb root, http://127.0.0.1:<port>/dicom-web */
  readonly dicomWebUrl: string;
  readonly user: string;
  readonly password: string;
  /** Stores one DICOM file through POST /instances; returns Orthanc's answer (ID, Status). */
  upload(bytes: Uint8Array): Promise<{ ID: string; Status: string }>;
  uploadFile(path: string): Promise<{ ID: string; Status: string }>;
  /** Orthanc's log so far (stdout and stderr), for failure messages. */
  log(): string;
  /** Stops Orthanc and removes its temporary folder. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface StartOrthancOptions {
  user?: string;
  password?: string;
}

/** Starts Orthanc; retries on another port when the first one was taken between probing and binding. */
export async function startOrthanc(options: StartOrthancOptions = {}): Promise<OrthancServer> {
  const { binary, plugin, missing } = orthancAvailability();
  if (missing || !binary || !plugin) throw new Error(missing ?? 'Orthanc is not available');
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, plugin, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

async function startOnce(
  binary: string,
  plugin: string,
  options: StartOrthancOptions,
): Promise<OrthancServer> {
  const user = options.user ?? 'cipherlens-test';
  const password = options.password ?? 'pacs-test-password';
  const root = await mkdtemp(join(tmpdir(), 'cipherlens-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'CipherLensTestPACS',
    StorageDirectory: join(root, 'storage'),
    IndexDirectory: join(root, 'index'),
    HttpPort: port,
    // No DICOM (DIMSE) listener: the tests speak DICOMweb only, and a fixed 4242 would clash between runs.
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    HttpThreadsCount: 4,
    ConcurrentJobs: 1,
    SaveJobs: false,
    StorageCompression: false,
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
  };
  const configPath = join(root, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));

  const child: ChildProcess = spawn(binary, [configPath], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  // A test process that exits without calling stop() (a crash, a timeout) must not leave Orthanc running.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const url = `http://127.0.0.1:${port}`;
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exit.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    await rm(root, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      const { code, signal } = exited as { code: number | null; signal: NodeJS.Signals | null };
      throw new Error(`Orthanc exited during startup (${code ?? signal}):\n${log.slice(-4000)}`);
    }
    try {
      const response = await fetch(`${url}/system`, {
        headers: { authorization },
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) {
        await response.arrayBuffer();
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not answer /system within ${STARTUP_TIMEOUT_MS} ms:\n${log.slice(-4000)}`);
    }
    await sleep(150);
  }

  const upload = async (bytes: Uint8Array): Promise<{ ID: string; Status: string }> => {
    const response = await fetch(`${url}/instances`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/dicom' },
      body: new Uint8Array(bytes),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`Orthanc refused the upload (${response.status}): ${text}`);
    return JSON.parse(text) as { ID: string; Status: string };
  };

  return {
    url,
    dicomWebUrl: `${url}/dicom-web`,
    user,
    password,
    upload,
    uploadFile: async (path) => upload(await readFile(path)),
    log: () => log,
    stop,
  };
}

/** pydicom's test files (Debian python3-pydicom), when installed. */
export const PYDICOM_TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files';
