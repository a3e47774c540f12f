/**
 * The only pages outside the app that it may open (in the system browser): where the datasets it imports come
 * from. Anything else a page asks to open — window.open, a link with target=_blank — is dropped by the Electron
 * main process. Matched exactly, after URL parsing, so `https://github.com/…@evil.example` or an added query
 * string does not pass.
 */
export const EXTERNAL_LINKS = {
  mnist: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
  mednist: 'https://github.com/Project-MONAI/MONAI-extra-test-data/releases/download/0.8.1/MedNIST.tar.gz',
} as const;

const ALLOWED = new Set<string>(Object.values(EXTERNAL_LINKS));

export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') return false;
  return ALLOWED.has(url) && ALLOWED.has(parsed.href);
}
