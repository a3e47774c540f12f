import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { userOnlyFileBox } from '../backend/key-ring.js';
import { createAppService } from '../backend/service.js';
import { defaultStateDir, userModelsDirOf } from '../backend/state-dir.js';
import { PACKAGE_ROOT, resolveCacheDir, resolveDataDir } from '../core/datasets/data-dir.js';
import { describeError } from '../core/errors.js';
import { newToken } from './auth.js';
import { startBrowserHost } from './server.js';

const USAGE = `npm run serve -- [options]

Serves CipherLens to your browser on 127.0.0.1 with a new access token each launch.

  --port <n>          port (default 5199; 0 picks a free one)
  --workspace <dir>   workspace folder for this launch (default ~/.cipherlens/workspace, or the last one chosen)
  --state-dir <dir>   settings, key ring and your models (default ~/.cipherlens, or $CIPHERLENS_HOME)
  --data-dir <dir>    folder with mnist/ and MedNIST.tar.gz (default: $CIPHERLENS_DATA, ../shared/data, data/datasets)
  --allow-paths       let the page name files and folders on this machine (import by path, open a workspace
                      folder, import or export a key file by path). Off by default: a script injected into
                      the page could otherwise read any image or overwrite any file you can write
  --no-open           do not open a browser
  --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5199' },
      workspace: { type: 'string' },
      'state-dir': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      'allow-paths': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port} is not a port number`);

  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : defaultStateDir();
  const userModelsDir = userModelsDirOf(stateDir);
  const dataDir = resolveDataDir(values['data-dir']);
  const log = (message: string): void => void process.stderr.write(`cipherlens: ${message}\n`);
  const version = (
    JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const service = await createAppService({
    host: 'browser',
    version,
    stateDir,
    defaultWorkspacePath: join(stateDir, 'workspace'),
    ...(values.workspace && { workspaceOverride: resolve(values.workspace) }),
    modelsDirs: [join(PACKAGE_ROOT, 'resources', 'models'), userModelsDir],
    userModelsDir,
    trainerRoot: PACKAGE_ROOT,
    demoKeyPath: join(PACKAGE_ROOT, 'resources', 'keys', 'demo.key'),
    dataDir: existsSync(dataDir) ? dataDir : null,
    cacheDir: resolveCacheDir(),
    studyResultsDir: join(PACKAGE_ROOT, 'study', 'results'),
    secretBox: userOnlyFileBox,
    pathSources: values['allow-paths'],
    log,
  });
  const host = await startBrowserHost({
    service,
    rendererDir: join(PACKAGE_ROOT, 'out', 'renderer'),
    token: newToken(),
    port,
    log,
  });
  process.stdout.write(
    `CipherLens is running (browser host).\n` +
      `  Open: ${host.url}\n` +
      `  Workspace: ${service.context.workspace.path}\n` +
      `  Keys and settings: ${stateDir}\n` +
      `  Your models: ${userModelsDir}\n` +
      `  Data: ${dataDir}${existsSync(dataDir) ? '' : ' (not found: dataset import disabled)'}\n` +
      `  Paths on this machine: ${values['allow-paths'] ? 'allowed (--allow-paths)' : 'off (uploads only; --allow-paths turns them on)'}\n` +
      `Press Ctrl+C to stop.\n`,
  );
  if (!values['no-open']) openBrowser(host.url);

  const stop = async (): Promise<void> => {
    process.stdout.write('\nstopping…\n');
    await host.close();
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () =>
      process.stdout.write('(could not open a browser: open the URL above yourself)\n'),
    );
    child.unref();
  } catch {
    process.stdout.write('(could not open a browser: open the URL above yourself)\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cipherlens serve: ${describeError(error)}\n`);
  process.exit(1);
});
