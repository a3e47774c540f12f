import { access, readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEMO_KEY_FINGERPRINT, loadKeyFile, type CipherKey } from '../core/crypto/keys.js';
import { CipherLensError, describeError, isCipherLensError } from '../core/errors.js';
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
    try {
      // One trailing newline is what editors and `echo` add; it is not part of the passphrase.
      passphrase = (await readFile(fromFile, 'utf8')).replace(/\r?\n$/, '');
    } catch {
      throw new CipherLensError('NOT_FOUND', `cannot read passphrase file ${fromFile}`);
    }
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
    } catch (error) {
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
