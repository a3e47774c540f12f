// Imported first by the crash fixtures (child processes): the process kills itself with SIGKILL right after its
// file-system step N (a call of one of the named fs.promises functions), so a test can crash every step in turn.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

export function crashAfterFsStep(step: number, names: readonly string[]): void {
  if (!(step > 0)) return;
  let steps = 0;
  const promises = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of names) {
    const original = promises[name]!;
    promises[name] = async (...args: unknown[]) => {
      const result = await original(...args);
      if (++steps === step) process.kill(process.pid, 'SIGKILL');
      return result;
    };
  }
  syncBuiltinESMExports(); // so `import { rename } from 'node:fs/promises'` sees the wrappers
}
