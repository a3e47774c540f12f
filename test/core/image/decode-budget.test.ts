import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeBudget, DecodeBudget } from '../../../src/core/image/decode-budget.js';
import { readImage } from '../../../src/core/image/read-image.js';
import { MAX_DICOM_PIXELS } from '../../../src/core/image/dicom.js';
import { writeDicom } from './dicom-writer.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? 'no code',
  );

describe('the decode budget (bounded queue in front of decoding)', () => {
  it('runs at most maxRunning decodes and maxPixelsInFlight pixels at once, first come first served', async () => {
    const budget = new DecodeBudget({ maxPixelsInFlight: 100, maxRunning: 2, maxWaiting: 10 });
    const gates = Array.from({ length: 5 }, deferred);
    const order: number[] = [];
    const sizes = [60, 30, 50, 10, 10];
    const runs = sizes.map((pixels, n) =>
      budget.run(pixels, `image ${n}`, async () => {
        order.push(n);
        await gates[n]!.promise;
        return n;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([0, 1]); // 60 + 30 fit; 50 more would not
    gates[1]!.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([0, 1]); // 60 + 50 > 100: image 2 waits, and the small ones wait behind it
    gates[0]!.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([0, 1, 2, 3]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(budget.peak.running).toBeLessThanOrEqual(2);
    expect(budget.peak.pixelsInFlight).toBeLessThanOrEqual(100);
  });

  it('refuses at once, with a clear error, what can never fit and what cannot queue', async () => {
    const budget = new DecodeBudget({ maxPixelsInFlight: 100, maxRunning: 1, maxWaiting: 2 });
    await expect(budget.run(101, 'huge.png', async () => 1)).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: expect.stringMatching(/huge\.png.*limit is 100/),
    });
    const gate = deferred();
    const running = budget.run(10, 'a', () => gate.promise);
    const queued = [budget.run(10, 'b', async () => 'b'), budget.run(10, 'c', async () => 'c')];
    await expect(budget.run(10, 'd.png', async () => 'd')).rejects.toMatchObject({
      code: 'BUSY',
      message: expect.stringMatching(/d\.png was not decoded; try again/),
    });
    gate.resolve();
    await running;
    expect(await Promise.all(queued)).toEqual(['b', 'c']);
  });

  it('a failing decode frees its share', async () => {
    const budget = new DecodeBudget({ maxPixelsInFlight: 10, maxRunning: 1, maxWaiting: 1 });
    await expect(
      budget.run(10, 'bad', async () => {
        throw new Error('corrupt');
      }),
    ).rejects.toThrow('corrupt');
    expect(await budget.run(10, 'next', async () => 'fine')).toBe('fine');
  });

  it('200 parallel decodes of a small PNG that declares a large image: bounded, the excess refused as BUSY', async () => {
    // 9 KB on the wire, 2048² pixels once decoded (the reported attack used 8192²: 12.2 GB RSS for 200 uploads).
    const png = await sharp({ create: { width: 2048, height: 2048, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(png.length).toBeLessThan(64 * 1024);
    const before = { ...decodeBudget.peak };
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        codeOf(readImage(png, { name: `bomb-${n}.png`, size: 16, fit: 'resize' })),
      ),
    );
    const counts = outcomes.reduce<Record<string, number>>(
      (tally, code) => ({ ...tally, [code]: (tally[code] ?? 0) + 1 }),
      {},
    );
    expect(Object.keys(counts).sort()).toEqual(['BUSY', 'ok']);
    expect(counts.ok).toBeGreaterThanOrEqual(decodeBudget.limits.maxWaiting);
    expect(counts.BUSY).toBeGreaterThan(100);
    expect(decodeBudget.peak.running).toBeLessThanOrEqual(decodeBudget.limits.maxRunning);
    expect(decodeBudget.peak.pixelsInFlight).toBeLessThanOrEqual(decodeBudget.limits.maxPixelsInFlight);
    expect(decodeBudget.peak.waiting).toBeLessThanOrEqual(decodeBudget.limits.maxWaiting);
    expect(before.running).toBeLessThanOrEqual(decodeBudget.peak.running);
  }, 60_000);
});

describe('DICOM decoding', () => {
  it('refuses declared dimensions over the DICOM pixel cap before allocating anything', async () => {
    // The header says 8192² (16-bit: 128 MiB of samples, ~1.7 GB to decode); the file holds 16 values.
    const file = writeDicom({ rows: 8192, columns: 8192, values: new Array(16).fill(0) });
    expect(8192 * 8192).toBeGreaterThan(MAX_DICOM_PIXELS);
    await expect(readImage(file, { name: 'bomb.dcm' })).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: expect.stringMatching(/bomb\.dcm declares 67108864 pixels/),
    });
  });

  it('runs off the event loop: timers keep firing while a large 16-bit DICOM is decoded', async () => {
    const side = 2048;
    const values = new Uint16Array(side * side);
    for (let i = 0; i < values.length; i++) values[i] = (i * 7919) % 4096;
    const file = writeDicom({
      rows: side,
      columns: side,
      bitsStored: 12,
      values,
      window: { center: 2048, width: 4096 },
    });
    await readImage(writeDicom({ rows: 2, columns: 2, values: [0, 1, 2, 3] }), { name: 'warm-up.dcm' });
    let last = performance.now();
    let longestGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks++;
    }, 2);
    const started = performance.now();
    try {
      const image = await readImage(file, { name: 'large.dcm', size: 64, fit: 'resize' });
      expect(image.source).toEqual({ width: side, height: side, format: 'dicom' });
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // Decoded on the event loop, the longest gap is about the whole decode; off it, a small part of it.
    expect(ticks).toBeGreaterThan(5);
    expect(longestGap).toBeLessThan(Math.max(60, took / 3));
  }, 60_000);
});
