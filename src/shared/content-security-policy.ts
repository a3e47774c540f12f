/**
 * The renderer's Content-Security-Policy, sent by both hosts as a response header: only our own scripts and
 * styles, images from data: URLs (thumbnails), API calls to our own origin, no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Directives a <meta> policy cannot carry (browsers ignore them there, with a console error). */
const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'sandbox'];

/**
 * The same policy for index.html's <meta http-equiv="Content-Security-Policy">, minus the header-only
 * directives: a copy of the page served without our headers is held to the same rules.
 * test/shared/content-security-policy.test.ts checks index.html against it.
 */
export const META_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.split('; ')
  .filter((directive) => !HEADER_ONLY_DIRECTIVES.includes(directive.split(' ')[0]!))
  .join('; ');
