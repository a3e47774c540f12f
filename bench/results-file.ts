import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Starts a benchmark's record: what the machine was doing when it began (the VMs are shared). */
export function benchRecorder(): { write(name: string, body: Record<string, unknown>): Promise<void> } {
  const loadBefore = loadavg();
  return {
    /** Writes bench/results/<name>.json: `body` plus the machine, its load before and after, Node and the time. */
    async write(name, body) {
      const result = {
        ...body,
        machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
        loadAverage: { before: loadBefore, after: loadavg() },
        node: process.version,
        createdAt: new Date().toISOString(),
      };
      await mkdir(RESULTS_DIR, { recursive: true });
      await writeFile(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`wrote bench/results/${name}.json\n`);
    },
  };
}
