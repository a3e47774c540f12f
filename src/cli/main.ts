import { describeError, isCipherLensError } from '../core/errors.js';
import { fromFsError } from '../core/fs/errors.js';
import type { CliCommand } from './command.js';

// Lazy so that `cipherlens keygen` does not load onnxruntime or sharp.
const commands: Record<string, () => Promise<{ default: CliCommand }>> = {
  keygen: () => import('./commands/keygen.js'),
  encrypt: () => import('./commands/encrypt.js'),
  decrypt: () => import('./commands/decrypt.js'),
  analyze: () => import('./commands/analyze.js'),
  attack: () => import('./commands/attack.js'),
  'export-dataset': () => import('./commands/export-dataset.js'),
  download: () => import('./commands/download.js'),
  train: () => import('./commands/train.js'),
  classify: () => import('./commands/classify.js'),
  index: () => import('./commands/index-cmd.js'),
  evaluate: () => import('./commands/evaluate.js'),
  study: () => import('./commands/study.js'),
  workspace: () => import('./commands/workspace.js'),
  pacs: () => import('./commands/pacs.js'),
};

async function printHelp(): Promise<void> {
  const lines = ['Usage: cipherlens <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(commands)) {
    try {
      const { default: command } = await load();
      lines.push(`  ${name.padEnd(16)}${command.summary}`);
    } catch {
      // A command whose module is missing is simply not listed.
    }
  }
  lines.push('', 'Run `cipherlens <command> --help` for its options.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`cipherlens: unknown command "${name}". Run \`cipherlens --help\`.\n`);
    return 2;
  }
  const { default: command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (thrown) {
    // A full disk, a read-only folder, a refused permission: said as such (core/fs/errors.ts), not bare errno.
    const error = await fromFsError(thrown);
    const prefix = isCipherLensError(error) ? `error [${error.code}]` : 'error';
    process.stderr.write(`cipherlens ${name}: ${prefix}: ${describeError(error)}\n`);
    if (process.env.CIPHERLENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

function flushThenExit(code: number): void {
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

const invokedDirectly = process.argv[1] && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    // Exit only once stdout and stderr have flushed: on POSIX pipes writes are asynchronous, and exiting at once
    // would cut a large --json document short while still reporting success.
    (code) => flushThenExit(code),
    (error: unknown) => {
      process.stderr.write(`cipherlens: ${describeError(error)}\n`);
      process.exit(1);
    },
  );
}
