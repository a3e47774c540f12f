import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm run lint` runs dependency-cruiser over src/ with .dependency-cruiser.cjs. Here the same command runs over a
// miniature src/ (test/fixtures/lint/src) whose forbidden-*.ts files each break one layer rule: the lint must fail
// and name each rule, and must not report the files that import only what their layer may.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'lint');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(outputType: 'err' | 'json'): { status: number | null; stdout: string } {
  const result = spawnSync(depcruise, ['src', '--config', config, '--output-type', outputType], {
    cwd: fixtures,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout };
}

describe('layer lint (dependency-cruiser)', () => {
  it('fails on the forbidden imports of the fixtures, naming each broken rule', () => {
    const { status, stdout } = cruise('err');
    expect(status).not.toBe(0);
    for (const rule of [
      'core-is-the-bottom',
      'shared-imports-only-zod',
      'renderer-imports-only-the-contract',
      'retrieval-does-not-import-evaluation',
      'no-folder-cycles',
      'backend-and-cli-do-not-import-hosts',
      'hosts-are-thin',
      'electron-only-in-electron-hosts',
      'crypto-is-below-the-rest-of-core',
      'renderer-components-import-app-types-only',
      'preload-imports-only-the-contract',
      'host-common-imports-only-node',
    ]) {
      expect(stdout).toContain(`error ${rule}:`);
    }
  });

  it('reports exactly the forbidden-*.ts files as offenders, each for the rule its header names', () => {
    const report = JSON.parse(cruise('json').stdout) as { summary: { violations: Violation[] } };
    const byFile = new Map<string, Set<string>>();
    for (const v of report.summary.violations) {
      if (v.rule.name === 'no-folder-cycles') continue; // reported per folder, not per file
      byFile.set(v.from, (byFile.get(v.from) ?? new Set()).add(v.rule.name));
    }
    const offenders = [...byFile.keys()].sort();
    expect(offenders).toEqual([
      'src/backend/forbidden-imports-server.ts',
      'src/core/crypto/forbidden-imports-backend.ts',
      'src/core/crypto/forbidden-imports-datasets.ts',
      'src/core/image/forbidden-imports-electron.ts',
      'src/core/retrieval/forbidden-imports-evaluation.ts',
      'src/host-common/forbidden-imports-shared.ts',
      'src/preload/forbidden-imports-backend.ts',
      'src/renderer/components/forbidden-imports-app-code.ts',
      'src/renderer/forbidden-imports-core.ts',
      'src/server/forbidden-imports-main.ts',
      'src/shared/forbidden-imports-node.ts',
    ]);
    for (const [file, rules] of byFile) {
      // The fixture's first line names the rule(s) it breaks.
      const header = readFileSync(join(fixtures, file), 'utf8').split('\n')[0] ?? '';
      for (const rule of rules) expect(header, `${file} reported for ${rule}`).toContain(rule);
    }
  });
});
