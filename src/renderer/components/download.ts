/** Saves a blob through a temporary object URL: works in both hosts without any file-system API. */
export function saveBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in Chromium; a tick later is enough.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function saveText(filename: string, text: string, mimeType: string): void {
  saveBlob(filename, new Blob([text], { type: mimeType }));
}

export function saveJson(filename: string, value: unknown): void {
  saveText(filename, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

export async function saveCanvasPng(filename: string, canvas: HTMLCanvasElement): Promise<void> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error(`could not encode ${filename} as PNG`);
  saveBlob(filename, blob);
}

/** File-name-safe slug of a title, so exports are named after what they hold. */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'export'
  );
}
