import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';

import { CipherLensError } from '../errors.js';

/** Debian's python3 is where python3-torch lands; a pyenv/venv `python3` on PATH often lacks it. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const JEMALLOC_PATH = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const JEMALLOC_CONF = 'dirty_decay_ms:-1,muzzy_decay_ms:-1,retain:true';

export const INSTALL_HINT =
  'Install PyTorch and ONNX for it: on Debian/Ubuntu `sudo apt-get install python3-torch python3-onnx python3-numpy ' +
  'libjemalloc2 libopenblas0-pthread`, elsewhere `python3 -m pip install torch onnx numpy`; ' +
  'or point --python (env CIPHERLENS_PYTHON) at an interpreter that has them.';

export function resolvePython(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  if (env.CIPHERLENS_PYTHON) return env.CIPHERLENS_PYTHON;
  return existsSync(SYSTEM_PYTHON) ? SYSTEM_PYTHON : 'python3';
}

/**
 * Environment for the trainer process: the repository on PYTHONPATH, jemalloc preloaded when installed
 * (PyTorch on glibc malloc is 4–6× slower on the dev VMs), passive OpenMP waiting (busy-waiting threads are
 * 10–20× slower whenever another process shares the cores), unbuffered output so progress arrives as it happens.
 */
export function trainerEnvironment(trainerRoot: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: '1' };
  env.PYTHONPATH = base.PYTHONPATH ? `${trainerRoot}${delimiter}${base.PYTHONPATH}` : trainerRoot;
  env.OMP_WAIT_POLICY ??= 'PASSIVE';
  if (process.platform === 'linux' && existsSync(JEMALLOC_PATH) && !(base.LD_PRELOAD ?? '').includes('jemalloc')) {
    env.LD_PRELOAD = base.LD_PRELOAD ? `${JEMALLOC_PATH}:${base.LD_PRELOAD}` : JEMALLOC_PATH;
    env.MALLOC_CONF ??= JEMALLOC_CONF;
  }
  // Inside Electron, process.execPath is the Electron binary; this flag makes it behave as plain Node for the
  // trainer's onnxruntime-node check.
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

export interface PythonTrainingStack {
  python: string;
  pythonVersion: string;
  torch: string;
  onnx: string;
  numpy: string;
  cuda: boolean;
}

const PROBE = [
  'import json, sys',
  'missing = []',
  'versions = {"pythonVersion": sys.version.split()[0]}',
  'for name in ("numpy", "torch", "onnx"):',
  '    try:',
  '        versions[name] = __import__(name).__version__',
  '    except Exception as error:',
  '        missing.append(f"{name} ({type(error).__name__}: {error})")',
  'if "torch" in versions:',
  '    import torch',
  '    versions["cuda"] = bool(torch.cuda.is_available())',
  'print(json.dumps({"missing": missing, **versions}))',
].join('\n');

/** Checks that `python` runs and imports torch, onnx and numpy; throws DEPENDENCY_MISSING saying how to fix it. */
export async function probePythonTraining(python: string, env: NodeJS.ProcessEnv = process.env): Promise<PythonTrainingStack> {
  const { code, stdout, stderr, spawnError } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    spawnError?: NodeJS.ErrnoException;
  }>((resolve) => {
    const child = spawn(python, ['-c', PROBE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, stdout: out, stderr: err, spawnError: error }));
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  if (spawnError) {
    const reason = spawnError.code === 'ENOENT' ? 'was not found' : `could not be started (${spawnError.message})`;
    throw new CipherLensError(
      'DEPENDENCY_MISSING',
      `Python "${python}" ${reason}. Training needs Python 3 with PyTorch. ${INSTALL_HINT}`,
    );
  }
  let report: Record<string, unknown> | undefined;
  try {
    report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    report = undefined;
  }
  if (code !== 0 || !report) {
    throw new CipherLensError(
      'DEPENDENCY_MISSING',
      `Python "${python}" failed to run a version check (exit ${String(code)}): ${stderr.trim().slice(-500)}. ${INSTALL_HINT}`,
    );
  }
  const missing = Array.isArray(report.missing) ? (report.missing as string[]) : [];
  if (missing.length > 0) {
    throw new CipherLensError(
      'DEPENDENCY_MISSING',
      `Python "${python}" cannot import ${missing.join(', ')}. ${INSTALL_HINT}`,
    );
  }
  return {
    python,
    pythonVersion: String(report.pythonVersion),
    torch: String(report.torch),
    onnx: String(report.onnx),
    numpy: String(report.numpy),
    cuda: report.cuda === true,
  };
}
