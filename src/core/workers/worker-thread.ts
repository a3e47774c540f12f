import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker entry `<name>.js` beside the calling module (`callerUrl` = its import.meta.url). Built code
 * runs the .js entry directly. From TypeScript sources (tsx, vitest) a worker cannot load a .ts entry even when
 * the parent runs under tsx (tsx issue #354), so a small evaluated bootstrap registers tsx's loader inside the
 * worker first, then imports `<name>.ts`.
 */
export function startModuleWorker(callerUrl: string, name: string): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl));
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const tsxPackage = createRequire(callerUrl).resolve('tsx/package.json');
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}
