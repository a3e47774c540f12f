import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as cli } from './run-cli.js';

let folder = '';
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cipherlens-attack-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('cipherlens attack', () => {
  it('known-plaintext --json: 2 pairs give the tables and every other image', async () => {
    const result = await cli(
      'attack',
      'known-plaintext',
      '--dataset',
      'synthetic',
      '--size',
      '16',
      '--known',
      '1,2,3',
      '--targets',
      '40',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      attack: string;
      machine: { cores: number };
      key: { fingerprint: string; source: string };
      datasets: {
        dataset: string;
        size: number;
        kNeeded: Record<string, number | null>;
        rows: { method: string; known: number; targets: { imagesExact: number } }[];
      }[];
    };
    expect(report.attack).toBe('known-plaintext');
    expect(report.key.source).toMatch(/fresh random key/);
    expect(report.machine.cores).toBeGreaterThan(0);
    const [dataset] = report.datasets;
    expect(dataset!.size).toBe(16);
    expect(dataset!.kNeeded['arnold-sl2']).toBe(2);
    expect(dataset!.rows).toHaveLength(6);
    const two = dataset!.rows.find((row) => row.method === 'arnold-sl2' && row.known === 2)!;
    expect(two.targets.imagesExact).toBe(1);
  });

  it('ciphertext-only --json --png: recovers synthetic images and draws the grid', async () => {
    const png = join(folder, 'grid.png');
    const result = await cli(
      'attack',
      'ciphertext-only',
      '--dataset',
      'synthetic',
      '--size',
      '16',
      '--counts',
      '30,120',
      '--reference',
      '60',
      '--png',
      png,
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      png: string;
      runs: {
        datasets: {
          rows: { ciphertexts: number; permutation: string; recovery: { pixelsExact: number } }[];
        }[];
      }[];
      summary: { ciphertexts: number; keys: number }[];
    };
    expect(report.png).toBe(png);
    expect(report.summary.map((s) => [s.ciphertexts, s.keys])).toEqual([
      [30, 1],
      [120, 1],
    ]);
    const last = report.runs[0]!.datasets[0]!.rows.find((row) => row.ciphertexts === 120)!;
    expect(last.permutation).toBe('exact');
    expect(last.recovery.pixelsExact).toBe(1);
    const info = await sharp(png).metadata();
    expect(info.format).toBe('png');
    expect(info.width).toBeGreaterThan(8 * 128);
  });

  it('ciphertext-only --repeat runs fresh keys and summarises them', async () => {
    const result = await cli(
      'attack',
      'ciphertext-only',
      '--dataset',
      'synthetic',
      '--size',
      '16',
      '--counts',
      '60',
      '--reference',
      '40',
      '--repeat',
      '2',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.match(/Ciphertext-only attack on arnold\+xor \(key [0-9a-f]{16}/g)).toHaveLength(2);
    expect(result.stdout).toMatch(/Over 2 keys: mean \(min–max\)/);
    const withKey = await cli(
      'attack',
      'ciphertext-only',
      '--repeat',
      '2',
      '--key',
      'resources/keys/demo.key',
    );
    expect(withKey.stderr).toMatch(/--repeat draws fresh keys/);
  });

  it('keyspace prints the counts and brute-force cost', async () => {
    const json = await cli('attack', 'keyspace', '--sizes', '16,28', '--full-limit', '200', '--json');
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      sizes: { size: number; sl2Order: number; reachable: { distinctPermutations: number } }[];
    };
    expect(report.sizes.map((row) => row.sl2Order)).toEqual([3072, 16128]);
    expect(report.sizes[1]!.reachable.distinctPermutations).toBeLessThan(16128);
    const text = await cli('attack', 'keyspace', '--sizes', '16', '--full-limit', '100');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\|SL2\(Z\/N\)\|/);
    expect(text.stdout).toContain('3,072');
  });

  it('explains bad input with a code', async () => {
    const unknown = await cli('attack', 'rainbow-tables');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/\[BAD_INPUT\].*unknown attack "rainbow-tables"/);
    const none = await cli('attack');
    expect(none.stderr).toMatch(/name an attack/);
    const badList = await cli('attack', 'known-plaintext', '--known', '2,x', '--dataset', 'synthetic');
    expect(badList.stderr).toMatch(/--known must be an integer/);
    const badDataset = await cli('attack', 'ciphertext-only', '--dataset', 'cifar');
    expect(badDataset.stderr).toMatch(/--dataset must be one or more of mnist, mednist, synthetic/);
    const help = await cli('attack', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: cipherlens attack known-plaintext\|ciphertext-only\|keyspace/);
  });
});
