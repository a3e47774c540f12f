import { vi } from 'vitest';
import type { OperationName } from '../../src/shared/operation-names.js';
import type { CipherLensClient } from '../../src/renderer/api/index.js';
import type { AppContext } from '../../src/renderer/app/context.js';
import { AppStore, type AppInfo } from '../../src/renderer/app/store.js';

/**
 * A renderer AppContext over a fake API for component tests under happy-dom: every operation is a vi.fn that
 * fails with "not answered in this test" unless the test gives it an answer (`answers`), so a view that calls
 * something unexpected fails loudly instead of hanging.
 */
export function fakeContext(
  answers: Partial<Record<OperationName, (request: unknown) => unknown>> = {},
  info: Partial<AppInfo> = {},
): AppContext & { calls: (name: OperationName) => unknown[] } {
  const fns = new Map<string, ReturnType<typeof vi.fn>>();
  const api = new Proxy({} as CipherLensClient, {
    get(_target, name) {
      if (name === 'host') return 'browser';
      if (typeof name !== 'string' || name === 'then') return undefined;
      let fn = fns.get(name);
      if (!fn) {
        const answer = answers[name as OperationName];
        fn = vi.fn(async (request: unknown) => {
          if (!answer) throw new Error(`${name} is not answered in this test`);
          return answer(request);
        });
        fns.set(name, fn);
      }
      return fn;
    },
  });
  const appInfo: AppInfo = {
    version: 'test',
    host: 'browser',
    capabilities: { nativeDialogs: false, pathImport: false, maxUploadBytes: 64 * 1024 * 1024 },
    demoKeyFingerprint: null,
    datasets: [],
    ...info,
  };
  return {
    api,
    info: appInfo,
    store: new AppStore(api),
    navigate: vi.fn(),
    calls: (name) => (fns.get(name)?.mock.calls ?? []).map((call) => call[0]),
  };
}

/** Lets pending promise callbacks (an awaited fake API call and what follows it) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
