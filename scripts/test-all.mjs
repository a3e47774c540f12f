#!/usr/bin/env node
// `npm test`: every suite in turn — types, lint, unit (Vitest), training (pytest), build, end-to-end (Playwright) —
// then one closing line with the totals. Suites whose tools are missing on this machine (PyTorch, Chromium) are
// skipped LOUDLY; with CIPHERLENS_REQUIRE_ALL=1 (set by .ci/run) a missing tool is a failure instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const requireAll = process.env.CIPHERLENS_REQUIRE_ALL === '1';
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const only = process.argv.slice(2);

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, command, args, env = {}) {
  process.stdout.write(`\n──── ${label}: ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) failures.push(`${label} (exit ${result.status ?? result.signal})`);
  return result.status === 0;
}

function skip(label, why) {
  const message = `SKIPPED ${label}: ${why}`;
  process.stdout.write(`\n!!!! ${message}\n`);
  if (requireAll) failures.push(`${label} (required but ${why})`);
  totals.skipped += 1;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const wanted = (name) => only.length === 0 || only.includes(name);

// Both through package.json, so `npm test` checks exactly what `npm run typecheck` / `npm run lint` check (every
// layer's tsconfig; ESLint and the dependency-cruiser layer rules).
if (wanted('typecheck')) run('typecheck', 'npm', ['run', '--silent', 'typecheck']);
if (wanted('lint')) run('lint', 'npm', ['run', '--silent', 'lint']);

if (wanted('unit')) {
  const out = join(reports, 'vitest.json');
  run('unit tests (vitest)', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  const report = readJson(out);
  if (report) {
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
}

if (wanted('python')) {
  const probe = spawnSync(python, ['-c', 'import torch, numpy, onnx, pytest'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    skip(
      'training tests (pytest)',
      `${python} lacks torch/numpy/onnx/pytest (apt-get install python3-torch python3-onnx python3-pytest)`,
    );
  } else {
    const junit = join(reports, 'pytest.xml');
    run('training tests (pytest)', python, ['-m', 'pytest', '-q', 'training/tests', `--junitxml=${junit}`]);
    if (existsSync(junit)) {
      const head = readFileSync(junit, 'utf8').match(/<testsuite [^>]*>/)?.[0] ?? '';
      const attr = (name) => Number(head.match(new RegExp(`${name}="(\\d+)"`))?.[1] ?? 0);
      const total = attr('tests');
      const failed = attr('failures') + attr('errors');
      const skipped = attr('skipped');
      totals.passed += total - failed - skipped;
      totals.failed += failed;
      totals.skipped += skipped;
    }
  }
}

if (wanted('build')) run('build (electron-vite)', 'npx', ['electron-vite', 'build']);

if (wanted('e2e')) {
  if (!existsSync('/usr/bin/chromium')) {
    skip('end-to-end tests (playwright)', '/usr/bin/chromium is missing (apt-get install chromium)');
  } else {
    const out = join(reports, 'playwright.json');
    run('end-to-end tests (playwright)', 'npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
    const report = readJson(out);
    if (report?.stats) {
      totals.passed += (report.stats.expected ?? 0) + (report.stats.flaky ?? 0);
      totals.failed += report.stats.unexpected ?? 0;
      totals.skipped += report.stats.skipped ?? 0;
    }
  }
}

if (failures.length > 0) process.stdout.write(`\nFailed steps: ${failures.join('; ')}\n`);
process.stdout.write(
  `\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0);
