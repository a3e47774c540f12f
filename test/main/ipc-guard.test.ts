import { describe, expect, it } from 'vitest';
import { dispatchToEnvelope, isTrustedSender } from '../../src/main/ipc-guard.js';
import { startTestService } from '../backend/harness.js';

const ORIGINS = ['cipherlens://app'];

describe('isTrustedSender', () => {
  const mainFrame = { url: 'cipherlens://app/index.html' };

  it('accepts only the main frame of our window showing our page', () => {
    expect(isTrustedSender(mainFrame, mainFrame, ORIGINS)).toBe(true);
  });

  it('refuses subframes, other windows, foreign pages and destroyed frames', () => {
    expect(isTrustedSender({ url: 'cipherlens://app/index.html' }, mainFrame, ORIGINS)).toBe(false);
    const navigatedAway = { url: 'https://evil.example/' };
    expect(isTrustedSender(navigatedAway, navigatedAway, ORIGINS)).toBe(false);
    const fileFrame = { url: 'file:///etc/passwd' };
    expect(isTrustedSender(fileFrame, fileFrame, ORIGINS)).toBe(false);
    expect(isTrustedSender(null, mainFrame, ORIGINS)).toBe(false);
    expect(isTrustedSender(mainFrame, undefined, ORIGINS)).toBe(false);
    const garbage = { url: 'not a url' };
    expect(isTrustedSender(garbage, garbage, ORIGINS)).toBe(false);
  });
});

describe('dispatchToEnvelope', () => {
  it('wraps results and errors (with their codes) for IPC, validating the payload', async () => {
    const service = await startTestService({ host: 'electron' });
    try {
      const ok = await dispatchToEnvelope(service, 'appInfo', {});
      expect(ok).toMatchObject({ ok: true, value: { host: 'electron' } });
      const bad = await dispatchToEnvelope(service, 'libraryList', { limit: -1 });
      expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      expect(JSON.stringify(bad)).toMatch(/invalid libraryList request: limit/);
      const unknown = await dispatchToEnvelope(service, 'shell.openExternal', {});
      expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      await service.close();
    }
  });
});
