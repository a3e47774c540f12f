import { CipherLensError } from '../errors.js';

/**
 * What may be decoding at once. Decoding is where a small file becomes large memory — a 65 KB PNG can declare
 * 8192² pixels — so every decode of a file from a request (import, preview, classify, retrieve, security
 * analysis) first takes its share of one budget of pixels, and waits in a bounded queue when the budget is
 * used up. A decode that can never fit is refused with IMAGE_TOO_LARGE; when the queue is full a new one is
 * refused at once with BUSY. Memory therefore stays bounded whatever the number of parallel requests.
 */
export interface DecodeLimits {
  /** Pixels being decoded at once, summed over every running decode (each one charged its declared size). */
  maxPixelsInFlight: number;
  /** Decodes running at once, however small. */
  maxRunning: number;
  /** Decodes waiting for their turn; one more is refused with BUSY. */
  maxWaiting: number;
}

/**
 * Two images of the largest size the cipher takes (2 × 8192² pixels ≈ 134 M; sharp holds a few bytes per pixel
 * while decoding, so about 1 GiB at worst), two at a time, 32 waiting.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxPixelsInFlight: 2 * 8192 * 8192,
  maxRunning: 2,
  maxWaiting: 32,
};

interface Waiter {
  pixels: number;
  start: () => void;
}

/** A weighted semaphore, first come first served (a large decode is not starved by small ones behind it). */
export class DecodeBudget {
  private pixelsInFlight = 0;
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Highest values seen (tests and diagnostics). */
  readonly peak = { pixelsInFlight: 0, running: 0, waiting: 0 };

  constructor(readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS) {}

  /** Runs `work` once `pixels` fit in the budget; refuses at once what can never fit or cannot queue. */
  async run<T>(pixels: number, name: string, work: () => Promise<T>): Promise<T> {
    const charge = Math.max(1, Math.ceil(pixels));
    if (charge > this.limits.maxPixelsInFlight) {
      throw new CipherLensError(
        'IMAGE_TOO_LARGE',
        `${name} would need ${charge} pixels of decoding at once; the limit is ${this.limits.maxPixelsInFlight}`,
      );
    }
    if (!this.fits(charge) || this.waiting.length > 0) {
      if (this.waiting.length >= this.limits.maxWaiting) {
        throw new CipherLensError(
          'BUSY',
          `too many images are being decoded (${this.running} running, ${this.waiting.length} waiting): ${name} was not decoded; try again in a moment`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiting.push({ pixels: charge, start: resolve });
        this.peak.waiting = Math.max(this.peak.waiting, this.waiting.length);
      });
    } else {
      this.take(charge);
    }
    try {
      return await work();
    } finally {
      this.pixelsInFlight -= charge;
      this.running--;
      this.startWaiting();
    }
  }

  private fits(pixels: number): boolean {
    return (
      this.running < this.limits.maxRunning && this.pixelsInFlight + pixels <= this.limits.maxPixelsInFlight
    );
  }

  private take(pixels: number): void {
    this.pixelsInFlight += pixels;
    this.running++;
    this.peak.pixelsInFlight = Math.max(this.peak.pixelsInFlight, this.pixelsInFlight);
    this.peak.running = Math.max(this.peak.running, this.running);
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.pixels)) {
      const next = this.waiting.shift()!;
      this.take(next.pixels);
      next.start();
    }
  }
}

/** The one budget every decode of a file from a request goes through (read-image.ts). */
export const decodeBudget = new DecodeBudget();
