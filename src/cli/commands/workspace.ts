import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKeyFile, type CipherKey } from '../../core/crypto/keys.js';
import { CipherLensError } from '../../core/errors.js';
import { readPendingRekey, rekeyWorkspace, type RekeyOutcome } from '../../core/workspace/rekey.js';
import { Workspace } from '../../core/workspace/workspace.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs, printJson, readPassphrase, warnIfDemoKey } from '../crypto-options.js';
import { createProgressBar } from '../progress.js';

const DEFAULT_WORKSPACE = '$CIPHERLENS_HOME/workspace, else ~/.cipherlens/workspace';

const usage = `Usage: cipherlens workspace rekey --from OLD.key --to NEW.key [--workspace DIR] [--json]
       cipherlens workspace info [--workspace DIR] [--json]

  rekey   key rotation: re-encrypts every image of the workspace that is under the key OLD with the key NEW.
          Crash-safe: each image is written under a second name and its record switched to it in one atomic
          step, so an interrupted run (Ctrl-C, kill, power loss) loses nothing and every image still opens with
          the key its record names. Run the same command again to continue: images already on NEW are skipped.
          Images under any other key are left alone and counted; an image OLD cannot open (damaged, or not
          under the key its record says) is reported and left as it is, and the exit status is 1. Embeddings
          indexes of OLD are deleted once no image is left under it (rebuild them under NEW in the app).
          Close the app (or switch it to another workspace) first: it must not use the folder meanwhile.
  info    the workspace's images per key, and any interrupted import or re-encryption

Options:
  --workspace DIR        the workspace folder (default ${DEFAULT_WORKSPACE}, the browser host's;
                         the Electron app keeps its own in its user-data folder: Settings → Workspace shows it)
  --from OLD.key         rekey: the key the images are encrypted with now
  --to NEW.key           rekey: the key to re-encrypt them with (keep a backup of it: without it they are lost)
  --from-passphrase-env VAR | --from-passphrase-file F   passphrase of a protected OLD key
  --to-passphrase-env VAR | --to-passphrase-file F       passphrase of a protected NEW key
  --json                 print a JSON report on stdout`;

/** The browser host's default workspace (src/server/cli.ts). */
function defaultWorkspace(): string {
  return join(process.env.CIPHERLENS_HOME ?? join(homedir(), '.cipherlens'), 'workspace');
}

async function loadRoleKey(
  role: 'from' | 'to',
  path: string | undefined,
  values: Record<string, string | boolean | undefined>,
): Promise<CipherKey> {
  if (!path) {
    throw new CipherLensError(
      'BAD_INPUT',
      `--${role} ${role === 'from' ? 'OLD' : 'NEW'}.key is required (see \`cipherlens workspace --help\`)`,
    );
  }
  const passphrase = await readPassphrase({
    'passphrase-env': values[`${role}-passphrase-env`] as string | undefined,
    'passphrase-file': values[`${role}-passphrase-file`] as string | undefined,
  });
  try {
    return await loadKeyFile(path, passphrase);
  } catch (error) {
    if (error instanceof CipherLensError && error.code === 'BAD_PASSPHRASE' && !passphrase) {
      throw new CipherLensError(
        'BAD_PASSPHRASE',
        `${error.message} (use --${role}-passphrase-env VAR or --${role}-passphrase-file F)`,
      );
    }
    throw error;
  }
}

async function openWorkspace(folder: string | undefined): Promise<Workspace> {
  const workspace = await Workspace.open(resolve(folder ?? defaultWorkspace()));
  for (const problem of workspace.problems) {
    process.stderr.write(`note: ${problem.file}: ${problem.reason} (left alone)\n`);
  }
  return workspace;
}

function perKey(workspace: Workspace): { fingerprint: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of workspace.list())
    counts.set(item.keyFingerprint, (counts.get(item.keyFingerprint) ?? 0) + 1);
  return [...counts.entries()]
    .map(([fingerprint, count]) => ({ fingerprint, count }))
    .sort((a, b) => b.count - a.count || a.fingerprint.localeCompare(b.fingerprint));
}

async function rekey(values: Record<string, string | boolean | undefined>): Promise<number> {
  const from = await loadRoleKey('from', values.from as string | undefined, values);
  const to = await loadRoleKey('to', values.to as string | undefined, values);
  warnIfDemoKey(to);
  const workspace = await openWorkspace(values.workspace as string | undefined);
  const pending = await readPendingRekey(workspace);
  if (pending && (pending.from !== from.fingerprint || pending.to !== to.fingerprint)) {
    process.stderr.write(
      `note: an earlier re-encryption from key ${pending.from} to key ${pending.to} did not finish; this run moves key ${from.fingerprint} instead\n`,
    );
  }
  const controller = new AbortController();
  const stop = (): void => {
    process.stderr.write('\nstopping after the current image; run the same command again to continue\n');
    controller.abort();
  };
  process.once('SIGINT', stop);
  const bar = createProgressBar('re-encrypting', workspace.size);
  let outcome: RekeyOutcome;
  try {
    outcome = await rekeyWorkspace(workspace, {
      from,
      to,
      signal: controller.signal,
      onProgress: (done, total) => bar.update(done, total),
    });
  } finally {
    process.off('SIGINT', stop);
  }
  bar.finish();
  for (const failure of outcome.failed) {
    process.stderr.write(
      `cipherlens workspace rekey: ${failure.name} (${failure.id}): error [${failure.code}]: ${failure.reason}\n`,
    );
  }
  if (values.json) {
    printJson({ workspace: workspace.path, ...outcome });
  } else {
    const other = outcome.otherKey.reduce((sum, entry) => sum + entry.count, 0);
    const lines = [
      `re-encrypted ${outcome.rekeyed} image${outcome.rekeyed === 1 ? '' : 's'} from key ${outcome.from} to key ${outcome.to} in ${workspace.path}`,
      `  already on the new key:     ${outcome.alreadyNew}`,
      `  under other keys (kept):    ${other}${other ? ` (${outcome.otherKey.map((e) => `${e.fingerprint}: ${e.count}`).join(', ')})` : ''}`,
      `  failed (kept on the old key): ${outcome.failed.length}`,
    ];
    if (outcome.indexesRemoved.length > 0) {
      lines.push(`removed the old key's embeddings indexes: ${outcome.indexesRemoved.join(', ')}`);
    }
    if (outcome.rekeyed === 0 && outcome.alreadyNew === 0 && outcome.failed.length === 0) {
      lines.push(`note: no image in this workspace is encrypted with key ${outcome.from}`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (outcome.failed.length > 0) {
    process.stderr.write(
      `cipherlens workspace rekey: ${outcome.failed.length} image${outcome.failed.length === 1 ? '' : 's'} could not be re-encrypted\n`,
    );
    return 1;
  }
  return 0;
}

async function info(values: Record<string, string | boolean | undefined>): Promise<number> {
  const workspace = await openWorkspace(values.workspace as string | undefined);
  const pendingRekey = await readPendingRekey(workspace);
  const report = {
    path: workspace.path,
    formatVersion: workspace.formatVersion,
    images: workspace.size,
    keys: perKey(workspace),
    interruptedRekey: pendingRekey && {
      from: pendingRekey.from,
      to: pendingRekey.to,
      startedAt: pendingRekey.startedAt,
    },
    problems: workspace.problems,
  };
  if (values.json) {
    printJson(report);
    return 0;
  }
  const lines = [`${report.path}: ${report.images} image${report.images === 1 ? '' : 's'}`];
  for (const entry of report.keys) lines.push(`  key ${entry.fingerprint}: ${entry.count}`);
  if (pendingRekey) {
    lines.push(
      `an interrupted re-encryption from key ${pendingRekey.from} to key ${pendingRekey.to}: run \`cipherlens workspace rekey\` with the same keys to continue`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

const command: CliCommand = {
  name: 'workspace',
  summary: 're-encrypt a workspace to a new key (key rotation); show its images per key',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs('workspace', argv, {
      workspace: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'from-passphrase-env': { type: 'string' },
      'from-passphrase-file': { type: 'string' },
      'to-passphrase-env': { type: 'string' },
      'to-passphrase-file': { type: 'string' },
      json: { type: 'boolean' },
    });
    const [action, extra] = positionals;
    if (extra !== undefined) throw new CipherLensError('BAD_INPUT', `unexpected argument ${extra}`);
    switch (action) {
      case 'rekey':
        return rekey(values);
      case 'info':
        return info(values);
      case undefined:
        throw new CipherLensError(
          'BAD_INPUT',
          'say what to do: `cipherlens workspace rekey|info` (see --help)',
        );
      default:
        throw new CipherLensError('BAD_INPUT', `unknown workspace action "${action}" (rekey, info)`);
    }
  },
};

export default command;
