import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { CipherLensError } from '../errors.js';

export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'cpu'] as const;
/** ONNX Runtime execution providers CipherLens knows how to choose between (dml = DirectML). */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];
export type ProviderPreference = 'auto' | ExecutionProvider;

export function parseProviderPreference(value: string): ProviderPreference {
  if (value === 'auto' || (EXECUTION_PROVIDERS as readonly string[]).includes(value))
    return value as ProviderPreference;
  throw new CipherLensError(
    'BAD_INPUT',
    `unknown execution provider "${value}"; expected auto, ${EXECUTION_PROVIDERS.join(', ')}`,
  );
}

/** What detection looks at; tests pass a fake one to exercise the CUDA and DirectML branches anywhere. */
export interface ProviderProbe {
  platform: NodeJS.Platform;
  arch: string;
  /** Backend names the installed onnxruntime-node binding can register. */
  runtimeBackends(): string[];
  nvidiaDriverPresent(): boolean;
  /** The CUDA provider library of onnxruntime-node and the CUDA 12 / cuDNN 9 runtime it loads. */
  missingCudaLibraries(): string[];
}

export interface ProviderDetection {
  /** Usable accelerators first, `cpu` always last. */
  available: ExecutionProvider[];
  /** Why each accelerator is or is not available, for logs and the settings screen. */
  notes: string[];
}

export function detectProviders(probe: ProviderProbe = systemProviderProbe()): ProviderDetection {
  const available: ExecutionProvider[] = [];
  const notes: string[] = [];
  if (probe.platform === 'linux') {
    if (!probe.nvidiaDriverPresent()) notes.push('cuda: no NVIDIA driver found');
    else {
      const missing = probe.missingCudaLibraries();
      if (missing.length > 0) notes.push(`cuda: NVIDIA driver present but missing ${missing.join(', ')}`);
      else {
        available.push('cuda');
        notes.push('cuda: NVIDIA driver and CUDA libraries found');
      }
    }
  }
  if (probe.platform === 'win32') {
    if (probe.runtimeBackends().includes('dml')) {
      available.push('dml');
      notes.push('dml: DirectML backend available');
    } else notes.push('dml: this onnxruntime-node build has no DirectML backend');
  }
  available.push('cpu');
  return { available, notes };
}

/** Providers to try in order. An explicit choice is still tried when detection doubts it; CPU ends every plan. */
export function planProviders(
  preference: ProviderPreference,
  detection: ProviderDetection,
): ExecutionProvider[] {
  if (preference === 'auto') return detection.available;
  return preference === 'cpu' ? ['cpu'] : [preference, 'cpu'];
}

const CUDA_RUNTIME_LIBRARIES = [
  'libcudart.so.12',
  'libcublas.so.12',
  'libcublasLt.so.12',
  'libcudnn.so.9',
  'libcufft.so.11',
];

function onnxRuntimeBinaryDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function dynamicLoaderLibraries(): Set<string> {
  const found = new Set<string>();
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      for (const name of readdirSync(dir)) found.add(name);
    } catch {
      // A stale entry in LD_LIBRARY_PATH is common and harmless.
    }
  }
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    if (!existsSync(ldconfig)) continue;
    const listing = spawnSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 5000 });
    for (const match of (listing.stdout ?? '').matchAll(/^\s*(\S+)\s+\(/gm)) found.add(match[1]!);
    break;
  }
  return found;
}

export function systemProviderProbe(): ProviderProbe {
  return {
    platform: process.platform,
    arch: process.arch,
    runtimeBackends() {
      try {
        const runtime = createRequire(import.meta.url)('onnxruntime-node') as {
          listSupportedBackends?: () => { name: string }[];
        };
        return runtime.listSupportedBackends?.().map((backend) => backend.name) ?? [];
      } catch {
        return [];
      }
    },
    nvidiaDriverPresent: () => existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0'),
    missingCudaLibraries() {
      const missing: string[] = [];
      const binaryDir = onnxRuntimeBinaryDir();
      for (const name of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) {
        if (!binaryDir || !existsSync(join(binaryDir, name))) {
          missing.push(`${name} (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12)`);
        }
      }
      const loadable = dynamicLoaderLibraries();
      missing.push(...CUDA_RUNTIME_LIBRARIES.filter((name) => !loadable.has(name)));
      return missing;
    },
  };
}
