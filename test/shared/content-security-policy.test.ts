import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  META_CONTENT_SECURITY_POLICY,
} from '../../src/shared/content-security-policy.js';

const directives = (policy: string): Map<string, string> =>
  new Map(
    policy
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => [part.split(/\s+/)[0]!, part.split(/\s+/).slice(1).sort().join(' ')]),
  );

describe('the renderer CSP', () => {
  it('is the same in index.html <meta> as in the response header, bar header-only directives', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1];
    expect(meta).toBeDefined();
    expect(meta).toBe(META_CONTENT_SECURITY_POLICY);
    const header = directives(CONTENT_SECURITY_POLICY);
    const inMeta = directives(meta!);
    header.delete('frame-ancestors'); // ignored by browsers in <meta>; the header carries it
    expect(Object.fromEntries(inMeta)).toEqual(Object.fromEntries(header));
    expect(inMeta.get('default-src')).toBe("'none'");
  });
});
