import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  isFailure,
  KNOWN_DISAGREEMENTS,
  ORACLE_PYTHON,
  PYDICOM_TEST_FILES,
  oracleAvailable,
  runDicomOracle,
} from '../../../scripts/dicom-oracle.js';

const requireAll = process.env.CIPHERLENS_REQUIRE_ALL === '1';
const hasOracle =
  oracleAvailable() &&
  spawnSync(ORACLE_PYTHON, ['-c', 'import pydicom, gdcm, numpy'], { stdio: 'ignore' }).status === 0;
if (!hasOracle) {
  console.warn(
    `\n*** SKIPPING the DICOM oracle: ${ORACLE_PYTHON} cannot import pydicom, gdcm and numpy, or ${PYDICOM_TEST_FILES} ` +
      'is missing (apt-get install python3-pydicom python3-gdcm python3-numpy) ***\n',
  );
}

describe.runIf(hasOracle || requireAll)('the DICOM oracle (pydicom + GDCM over its own test files)', () => {
  it('decodes every file pydicom decodes to the same modality values, and refuses every other one clearly', async () => {
    const run = await runDicomOracle();
    const failures = run.results.filter(isFailure);
    expect(failures, JSON.stringify(failures, null, 1)).toEqual([]);

    const count = (verdict: string) => run.results.filter((r) => r.verdict === verdict).length;
    // The corpus is Debian's python3-pydicom 2.3 test files: a change in these numbers is a change to look at.
    expect(run.results.length).toBeGreaterThanOrEqual(150);
    expect(count('exact')).toBeGreaterThanOrEqual(70);
    expect(count('within')).toBeGreaterThanOrEqual(8);
    // Every file pydicom decodes is exact, within tolerance, or one of the listed disagreements.
    for (const result of run.results.filter((r) => r.pydicom === 'decoded')) {
      const listed = KNOWN_DISAGREEMENTS[result.file];
      if (result.verdict === 'clear-error') expect(listed?.kind, result.file).toMatch(/refuse|gap/);
      else expect(result.verdict, result.file).toMatch(/exact|within/);
    }
  }, 120_000);
});
