/**
 * What a run over "all images" reaches, said before the run (batch classification, evaluation): only images
 * under the active key reach the model; the rest are counted and named, never dropped silently.
 */
export function keyScope(
  workspace: { itemCount: number; keys: readonly { fingerprint: string; count: number }[] } | null,
  activeKey: string | null,
): { allLabel: string; note: string | null } {
  const total = workspace?.itemCount ?? 0;
  const readable = activeKey ? (workspace?.keys.find((k) => k.fingerprint === activeKey)?.count ?? 0) : 0;
  const others = (workspace?.keys ?? []).filter((k) => k.fingerprint !== activeKey && k.count > 0);
  const unreadable = others.reduce((sum, k) => sum + k.count, 0);
  if (unreadable === 0) return { allLabel: `All images (${total})`, note: null };
  const keys = others.map((k) => `${k.count} under ${k.fingerprint}`).join(', ');
  return {
    allLabel: `All images under the active key (${readable} of ${total})`,
    note: activeKey
      ? `${unreadable} image${unreadable === 1 ? ' is' : 's are'} encrypted with another key (${keys}): the active model cannot read ${unreadable === 1 ? 'it' : 'them'}, so ${unreadable === 1 ? 'it is' : 'they are'} left out. Switch to that key in Settings to work with ${unreadable === 1 ? 'it' : 'them'}.`
      : `No key is active: choose one in Settings; only its images can be classified.`,
  };
}
