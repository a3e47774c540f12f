/**
 * A terminal progress bar on stderr (stdout stays clean for --json output).
 * Redraws at most every 100 ms; silent when stderr is not a TTY except for a final line.
 */
export interface ProgressBar {
  update(done: number, total?: number): void;
  finish(message?: string): void;
}

export function createProgressBar(label: string, total: number, stream = process.stderr): ProgressBar {
  const started = Date.now();
  let lastDraw = 0;
  let currentTotal = total;
  const interactive = Boolean(stream.isTTY);
  const render = (done: number): string => {
    const fraction = currentTotal > 0 ? Math.min(1, done / currentTotal) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 && currentTotal > done ? (currentTotal - done) / rate : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${currentTotal} ${(fraction * 100).toFixed(1)}% ${rate.toFixed(1)}/s eta ${eta.toFixed(0)}s`;
  };
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) currentTotal = newTotal;
      const now = Date.now();
      if (!interactive || now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${render(done)}`);
    },
    finish(message) {
      if (interactive) stream.write(`\r${render(currentTotal)}\n`);
      if (message) stream.write(`${message}\n`);
    },
  };
}

/**
 * A bar that appears with the first update, for work whose total is only known once it has started
 * (a download's Content-Length, a dataset's image count); never drawn when nothing is reported.
 */
export function createLazyProgressBar(label: string): ProgressBar {
  let bar: ProgressBar | null = null;
  return {
    update(done, total) {
      bar ??= createProgressBar(label, total ?? 0);
      bar.update(done, total);
    },
    finish(message) {
      bar?.finish(message);
    },
  };
}
