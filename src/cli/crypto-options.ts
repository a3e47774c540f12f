import { access } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEMO_KEY_FINGERPRINT, loadKeyFile, type CipherKey } from '../core/crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../core/errors.js';
import { fromFsError } from '../core/fs/errors.js';
import { readRegularText } from '../core/fs/read.js';
import { collectInputFiles, type InputFile } from '../core/image/files.js';
import { createProgressBar } from './progress.js';

/** node:util parseArgs, with its TypeErrors turned into a BAD_INPUT that points at --help. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(
  command: string,
  argv: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CipherLensError('BAD_INPUT', `${describeError(error)} (see \`cipherlens ${command} --help\`)`);
  }
}

/** Commands take no positional arguments unless they name inputs: a stray word is more likely a typo. */
export function refuseExtraArguments(positionals: readonly string[]): void {
  if (positionals.length > 0) throw new CipherLensError('BAD_INPUT', `unexpected argument ${positionals[0]}`);
}

/** The options of every command that writes files: where, whether to overwrite, and a JSON report. */
export const outputOptions = {
  out: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The --json report: indented, so it is readable as well as parseable. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function parseNonNegativeInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new CipherLensError('BAD_INPUT', `--${name} must be a non-negative integer, got "${value}"`);
  }
  return parsed;
}

/** A passphrase file holds one line; anything larger is not one. */
export const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

export const passphraseOptions = {
  'passphrase-env': { type: 'string' },
  'passphrase-file': { type: 'string' },
} as const;

/** A passphrase never comes from argv (visible in `ps` and shell history): only an env var or a file. */
export async function readPassphrase(values: {
  'passphrase-env'?: string;
  'passphrase-file'?: string;
}): Promise<string | undefined> {
  const fromEnv = values['passphrase-env'];
  const fromFile = values['passphrase-file'];
  if (fromEnv !== undefined && fromFile !== undefined) {
    throw new CipherLensError('BAD_INPUT', 'give --passphrase-env or --passphrase-file, not both');
  }
  let passphrase: string | undefined;
  if (fromEnv !== undefined) {
    passphrase = process.env[fromEnv];
    if (passphrase === undefined) {
      throw new CipherLensError(
        'BAD_PASSPHRASE',
        `environment variable ${fromEnv} (from --passphrase-env) is not set`,
      );
    }
  } else if (fromFile !== undefined) {
    // A regular file of at most 64 KiB: a FIFO would hang the command, /dev/zero would fill memory.
    const text = await readRegularText(fromFile, MAX_PASSPHRASE_FILE_BYTES, {
      what: `passphrase file ${fromFile}`,
    });
    // One trailing newline is what editors and `echo` add; it is not part of the passphrase.
    passphrase = text.replace(/\r?\n$/, '');
  }
  if (passphrase === '') throw new CipherLensError('BAD_PASSPHRASE', 'the passphrase is empty');
  return passphrase;
}

export async function loadKeyOption(values: {
  key?: string;
  'passphrase-env'?: string;
  'passphrase-file'?: string;
}): Promise<CipherKey> {
  if (!values.key) throw new CipherLensError('BAD_INPUT', '--key FILE is required');
  const passphrase = await readPassphrase(values);
  try {
    return await loadKeyFile(values.key, passphrase);
  } catch (error) {
    if (error instanceof CipherLensError && error.code === 'BAD_PASSPHRASE' && !passphrase) {
      throw new CipherLensError(
        'BAD_PASSPHRASE',
        `${error.message} (use --passphrase-env VAR or --passphrase-file F)`,
      );
    }
    throw error;
  }
}

export function warnIfDemoKey(key: CipherKey): void {
  if (key.fingerprint === DEMO_KEY_FINGERPRINT) {
    process.stderr.write(
      'note: this is the PUBLIC demo key — anything encrypted with it is readable by anyone\n',
    );
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Checked before anything is written, so a refused run leaves no partial output behind. */
export async function refuseOverwrite(path: string): Promise<void> {
  if (await pathExists(path)) {
    throw new CipherLensError(
      'BAD_INPUT',
      `${path} already exists; use --force to overwrite (nothing was written)`,
    );
  }
}

/** The files under the given paths with one of the extensions; none at all is an error, not an empty run. */
export async function collectRequiredInputs(
  paths: readonly string[],
  extensions: readonly string[],
  what: string,
): Promise<InputFile[]> {
  const found = await collectInputFiles(paths, extensions);
  if (found.length === 0) throw new CipherLensError('BAD_INPUT', `no ${what} found in ${paths.join(', ')}`);
  return found;
}

export interface Failure {
  input: string;
  code: string;
  message: string;
}

/**
 * Runs `work` on every item in order, with a progress bar for more than one; a failing item is recorded and
 * the rest still run, so one bad file in a folder does not hide the others.
 */
export async function runEach<T, R>(
  label: string,
  items: readonly T[],
  nameOf: (item: T) => string,
  work: (item: T) => Promise<R>,
): Promise<{ done: R[]; failures: Failure[] }> {
  const progress = items.length > 1 ? createProgressBar(label, items.length) : null;
  const done: R[] = [];
  const failures: Failure[] = [];
  for (const [index, item] of items.entries()) {
    try {
      done.push(await work(item));
    } catch (thrown) {
      const error = await fromFsError(thrown);
      failures.push({
        input: nameOf(item),
        code: isCipherLensError(error) ? error.code : 'INTERNAL',
        message: describeError(error),
      });
    }
    progress?.update(index + 1);
  }
  progress?.finish();
  return { done, failures };
}

/** Prints each failure on stderr; returns the exit code. */
export function reportFailures(command: string, failures: readonly Failure[], total: number): number {
  for (const failure of failures) {
    process.stderr.write(
      `cipherlens ${command}: ${failure.input}: error [${failure.code}]: ${failure.message}\n`,
    );
  }
  if (failures.length > 0 && total > 1) {
    process.stderr.write(`cipherlens ${command}: ${failures.length} of ${total} failed\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

/** `--name` as an integer from `min` to `max`; undefined when the option was not given. */
export function parseIntegerOption(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new CipherLensError(
      'BAD_INPUT',
      `--${name} must be an integer from ${min} to ${max}, got "${value}"`,
    );
  }
  return parsed;
}
