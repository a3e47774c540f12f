import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR, REPO_ROOT } from './paths.js';

export interface BrowserHost {
  url: string;
  workspace: string;
  /** A temporary folder for files the tests make (images to import, bad key files). */
  scratch: string;
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 120_000;
const URL_PATTERN = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/;

function waitForUrl(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `the browser host printed no URL within ${START_TIMEOUT_MS / 1000} s:\n${output.join('')}`,
          ),
        ),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output.push(text);
      const match = URL_PATTERN.exec(output.join(''));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`the browser host exited (${code ?? signal}) before it was ready:\n${output.join('')}`),
      );
    });
  });
}

/** Starts `src/server/cli.ts` on a free port with a fresh workspace and key ring, and the shared data folder. */
export async function startBrowserHost(): Promise<BrowserHost> {
  // Workspace, key ring and settings all live in one temporary folder: nothing of the person's is touched.
  const scratchRoot = mkdtempSync(join(tmpdir(), 'cipherlens-e2e-'));
  const workspace = join(scratchRoot, 'workspace');
  const scratch = join(scratchRoot, 'files');
  mkdirSync(scratch);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/server/cli.ts',
      '--port',
      '0',
      '--no-open',
      '--workspace',
      join(scratchRoot, 'workspace'),
      '--state-dir',
      join(scratchRoot, 'state'),
      '--data-dir',
      DATA_DIR,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  const output: string[] = [];
  const url = await waitForUrl(child, output);
  // Keep draining the pipes: a full pipe would block the server.
  child.stdout?.removeAllListeners('data');
  child.stdout?.on('data', () => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(scratchRoot, { recursive: true, force: true });
  };
  return { url, workspace, scratch, stop };
}
