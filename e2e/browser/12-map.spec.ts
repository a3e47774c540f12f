import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, type Page, test } from '@playwright/test';
import { clearMessages, download, goTo, screenshot, useSharedPage } from '../helpers/app.js';
import { MEDNIST, MNIST, useDemoKeyAndShippedModel } from '../helpers/flows.js';
import { DATA_DIR, REPO_ROOT } from '../helpers/paths.js';

/**
 * The embedding map on real MedNIST images: PCA at once, UMAP as a job; a lasso and a box around a cluster open
 * the grid of exactly the images inside (the expected set is computed here from the exported coordinates and the
 * transform the canvas exposes); hover shows the decrypted image; a click runs a retrieval query. Last, the
 * frame time of pan and zoom at 50,000 synthetic points.
 */
test.describe.configure({ mode: 'serial' });

const sharedPage = useSharedPage();
let page: Page;
let transformBeforeLeaving: string | null = null;

test.beforeAll(() => {
  page = sharedPage();
});

interface ExportedPoint {
  id: string;
  x: number;
  y: number;
  label: string | null;
}
interface Transform {
  scale: number;
  tx: number;
  ty: number;
}
type Vertex = [number, number];

/** Winding-number test, written independently of the page's ray casting. */
function inside([x, y]: Vertex, polygon: readonly Vertex[]): boolean {
  let winding = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i]!;
    const [x2, y2] = polygon[(i + 1) % polygon.length]!;
    const cross = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
    if (y1 <= y && y2 > y && cross > 0) winding++;
    else if (y1 > y && y2 <= y && cross < 0) winding--;
  }
  return winding !== 0;
}

/** Convex hull (monotone chain), counter-clockwise. */
function hull(points: Vertex[]): Vertex[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: Vertex, a: Vertex, b: Vertex): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Vertex[]): Vertex[] => {
    const out: Vertex[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

async function mapState(): Promise<{ points: ExportedPoint[]; toPage: (p: ExportedPoint) => Vertex }> {
  const map = page.getByTestId('map-panel');
  const file = await download(page, map.getByRole('button', { name: 'JSON', exact: true }));
  const points = JSON.parse(file.bytes.toString('utf8')) as ExportedPoint[];
  const canvas = map.getByTestId('map-canvas');
  const transform = JSON.parse((await canvas.getAttribute('data-transform')) ?? '{}') as Transform;
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the map canvas has no box');
  const toPage = (p: ExportedPoint): Vertex => [
    box.x + p.x * transform.scale + transform.tx,
    box.y - p.y * transform.scale + transform.ty,
  ];
  return { points, toPage };
}

/** The label whose points, on screen, form the cleanest cluster: fewest other points inside their hull. */
function cleanestCluster(points: ExportedPoint[], toPage: (p: ExportedPoint) => Vertex) {
  const labels = [...new Set(points.map((p) => p.label ?? ''))];
  let best: { label: string; polygon: Vertex[]; strangers: number } | null = null;
  for (const label of labels) {
    const own = points.filter((p) => (p.label ?? '') === label).map(toPage);
    if (own.length < 3) continue;
    const corners = hull(own);
    const cx = corners.reduce((s, v) => s + v[0], 0) / corners.length;
    const cy = corners.reduce((s, v) => s + v[1], 0) / corners.length;
    // Grown by 8 px around its centre and rounded to whole pixels: the pointer goes exactly through these.
    const polygon = corners.map(([x, y]): Vertex => {
      const d = Math.hypot(x - cx, y - cy) || 1;
      return [Math.round(x + ((x - cx) / d) * 8), Math.round(y + ((y - cy) / d) * 8)];
    });
    const strangers = points.filter((p) => (p.label ?? '') !== label && inside(toPage(p), polygon)).length;
    if (!best || strangers < best.strangers) best = { label, polygon, strangers };
  }
  if (!best) throw new Error('no class has three points on the map');
  return best;
}

async function selectionIds(): Promise<string[]> {
  const tiles = page.getByTestId('map-selection-grid').getByTestId('grid-tile');
  await expect(tiles.first()).toBeVisible();
  return (
    await tiles.evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset['id'] ?? ''))
  ).sort();
}

test.skip(!existsSync(join(DATA_DIR, 'MedNIST.tar.gz')), `MedNIST.tar.gz is not in ${DATA_DIR}`);

test('the map lays out the embedded MedNIST images by PCA, coloured by label', async () => {
  await useDemoKeyAndShippedModel(page, MEDNIST);
  const library = await goTo(page, 'Library');
  const panel = library.getByTestId('dataset-import-panel');
  await panel.getByTestId('dataset-name').selectOption(MEDNIST.id);
  await panel.getByTestId('dataset-per-class').fill('12');
  await panel.getByTestId('dataset-per-class').blur();
  await panel.getByTestId('dataset-import').click();
  await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  await expect(panel.getByTestId('import-summary')).toContainText(/\d+ imported/);
  // A few MNIST digits too: under the MedNIST model they are always wrong, so the map shows mistakes.
  if (existsSync(join(DATA_DIR, 'mnist'))) {
    await panel.getByTestId('dataset-name').selectOption(MNIST.id);
    await panel.getByTestId('dataset-per-class').fill('2');
    await panel.getByTestId('dataset-per-class').blur();
    await panel.getByTestId('dataset-import').click();
    await expect(panel.getByTestId('dataset-import')).toBeEnabled({ timeout: 150_000 });
  }
  await clearMessages(page);

  const map = await goTo(page, 'Map');
  const embed = map.getByTestId('map-embed-missing');
  await expect(map.getByTestId('map-status')).toContainText(/embedded by|not embedded/);
  if ((await embed.count()) > 0) await embed.click();
  await expect(map.getByTestId('map-status')).not.toContainText('not embedded', { timeout: 150_000 });
  await expect(map.getByTestId('map-status')).toContainText('laid out by PCA');
  await expect(map.getByTestId('map-status')).toContainText(/axes hold \d+\.\d% and \d+\.\d%/);
  const count = Number(await map.getByTestId('map-canvas').getAttribute('data-points'));
  expect(count).toBeGreaterThanOrEqual(12 * MEDNIST.classes.length);
  for (const name of MEDNIST.classes) {
    await expect(map.getByTestId('map-legend')).toContainText(`${name} (`);
  }
  await screenshot(page, 'map-pca', 1100);
});

test('a lasso around a cluster opens the grid of exactly the images inside it', async () => {
  const { points, toPage } = await mapState();
  const cluster = cleanestCluster(points, toPage);
  const expected = points
    .filter((p) => inside(toPage(p), cluster.polygon))
    .map((p) => p.id)
    .sort();
  expect(expected.length).toBeGreaterThanOrEqual(3);

  await page.getByTestId('map-mode-lasso').click();
  const [first, ...rest] = cluster.polygon;
  await page.mouse.move(first![0], first![1]);
  await page.mouse.down();
  for (const [x, y] of [...rest, first!]) await page.mouse.move(x, y, { steps: 4 });
  await page.mouse.up();
  expect(await selectionIds()).toEqual(expected);
  await expect(page.getByTestId('map-selection-grid')).toContainText(`Selected: ${expected.length} image`);
  await expect(page.getByTestId('map-selection-grid')).toContainText(cluster.label);
  await screenshot(page, 'map-lasso', 1400);

  // The selection's filter row narrows the grid to one class, and says how many of the selection it shows.
  const ofCluster = points.filter((p) => expected.includes(p.id) && (p.label ?? '') === cluster.label).length;
  await page.getByTestId('map-selection-filters-class').selectOption(cluster.label);
  await expect(page.getByTestId('map-selection-grid').getByTestId('grid-tile')).toHaveCount(ofCluster);
  await expect(page.getByTestId('map-selection-filters-count')).toHaveText(
    `${ofCluster} of ${expected.length} images shown`,
  );
});

test('a box selects exactly the points within it', async () => {
  const { points, toPage } = await mapState();
  const cluster = cleanestCluster(points, toPage);
  const xs = cluster.polygon.map((v) => v[0]);
  const ys = cluster.polygon.map((v) => v[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const box: Vertex[] = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
  const expected = points
    .filter((p) => inside(toPage(p), box))
    .map((p) => p.id)
    .sort();
  await page.getByTestId('map-mode-box').click();
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 6 });
  await page.mouse.up();
  expect(await selectionIds()).toEqual(expected);
});

test('hovering shows the decrypted image and its label; a click searches for images like it', async () => {
  await page.getByTestId('map-mode-pan').click();
  await page.getByTestId('map-canvas').scrollIntoViewIfNeeded();
  const { points, toPage } = await mapState();
  // The pointer can only hover what is on screen: a larger workspace (earlier specs' images) can lay some
  // points out below the fold.
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const onScreen = points.filter((p) => {
    const [px, py] = toPage(p);
    return px > 4 && py > 4 && px < viewport.width - 4 && py < viewport.height - 4;
  });
  // A point with no neighbour within 10 px, so the hover cannot land on another one.
  const lonely =
    onScreen.find((p) =>
      points.every(
        (q) => q === p || Math.hypot(toPage(p)[0] - toPage(q)[0], toPage(p)[1] - toPage(q)[1]) > 10,
      ),
    ) ?? onScreen[0]!;
  const [x, y] = toPage(lonely);
  await page.mouse.move(x, y);
  const tooltip = page.getByTestId('map-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(lonely.label ?? 'unlabelled');
  await expect(tooltip.locator('img')).toHaveAttribute('alt', /decrypted$/);
  transformBeforeLeaving = await page.getByTestId('map-canvas').getAttribute('data-transform');
  await page.mouse.click(x, y);
  const retrieve = page.locator('.view[data-view="retrieve"]');
  await expect(retrieve).toBeVisible();
  await expect(retrieve.getByTestId('retrieve-grid').getByTestId('grid-tile').first()).toBeVisible({
    timeout: 60_000,
  });
  await expect(retrieve.getByTestId('retrieve-query')).toContainText(lonely.label ?? 'no label');
});

test('UMAP runs as a job and then lays out the same images, coloured by correctness', async () => {
  // Classify them first, so the map has predictions to colour by.
  const classify = await goTo(page, 'Classify');
  await classify.getByTestId('batch-run').click();
  await expect(classify.getByTestId('batch-accuracy')).toBeVisible({ timeout: 150_000 });
  const map = await goTo(page, 'Map');
  // Back on the map, the same layout keeps its zoom and pan.
  await expect(map.getByTestId('map-canvas')).toHaveAttribute('data-transform', transformBeforeLeaving ?? '');
  const before = Number(await map.getByTestId('map-canvas').getAttribute('data-points'));
  await map.getByTestId('map-method').selectOption('umap');
  await map.getByTestId('map-umap-run').click();
  await expect(map.getByTestId('map-status')).toContainText('laid out by UMAP', { timeout: 150_000 });
  await expect(map.getByTestId('map-canvas')).toHaveAttribute('data-points', String(before));
  await map.getByTestId('map-colour').selectOption('correct');
  await expect(map.getByTestId('map-legend')).toContainText(/^correct \(\d+\)/);
  if (existsSync(join(DATA_DIR, 'mnist'))) {
    await expect(map.getByTestId('map-legend')).toContainText(/incorrect \(\d+\)/);
  }
  await screenshot(page, 'map-umap', 1100);
  await map.getByTestId('map-method').selectOption('pca');
  await map.getByTestId('map-colour').selectOption('label');
});

test('pan and zoom at 50,000 points: frame times', async ({ browser }) => {
  // The map's canvas module, bundled on its own, in a blank page: the same drawing code with synthetic points.
  const bundle = await build({
    entryPoints: [join(REPO_ROOT, 'src/renderer/views/map/canvas.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'MapCanvasModule',
    target: 'es2022',
  });
  // At 1 and at 2 device pixels per CSS pixel (a HiDPI screen: four times the pixels to fill and put).
  const results = [];
  for (const deviceScaleFactor of [1, 2]) {
    const bench = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor });
    await bench.setContent(
      '<!doctype html><html><body style="margin:0"><div id="host" style="width:1200px;height:720px"></div></body></html>',
    );
    await bench.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const result = await bench.evaluate(async (count) => {
      const module = (
        window as unknown as { MapCanvasModule: typeof import('../../src/renderer/views/map/canvas.js') }
      ).MapCanvasModule;
      const map = module.createMapCanvas();
      map.element.style.width = '1200px';
      map.element.style.height = '720px';
      document.getElementById('host')!.appendChild(map.element);
      // Ten Gaussian clusters (Box–Muller), like a ten-class embedding.
      let seed = 42;
      const random = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
      const xs = new Float32Array(count);
      const ys = new Float32Array(count);
      const colours = new Uint16Array(count);
      for (let i = 0; i < count; i++) {
        const c = i % 10;
        const r = Math.sqrt(-2 * Math.log(random() + 1e-12));
        const a = 2 * Math.PI * random();
        xs[i] = Math.cos(c) * 10 + r * Math.cos(a);
        ys[i] = Math.sin(c) * 10 + r * Math.sin(a);
        colours[i] = c;
      }
      const palette = [
        '#4e79a7',
        '#f28e2b',
        '#e15759',
        '#76b7b2',
        '#59a14f',
        '#edc948',
        '#b07aa1',
        '#ff9da7',
        '#9c755f',
        '#2f4b7c',
      ];
      map.setPoints(xs, ys, colours, palette);
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const percentile = (values: number[], p: number): number => {
        const sorted = [...values].sort((a, b) => a - b);
        return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
      };
      // Draw time: the canvas commands for one frame. Frame interval: between animation frames while the view moves
      // every frame (drawing, rasterising and compositing all included).
      const run = async (step: (frame: number) => void, frames: number) => {
        const draws: number[] = [];
        const intervals: number[] = [];
        let last = performance.now();
        for (let frame = 0; frame < frames; frame++) {
          await new Promise<void>((resolve) =>
            requestAnimationFrame(() => {
              step(frame);
              draws.push(map.drawNow());
              const now = performance.now();
              intervals.push(now - last);
              last = now;
              resolve();
            }),
          );
        }
        intervals.shift();
        return {
          drawMedianMs: percentile(draws, 50),
          drawP95Ms: percentile(draws, 95),
          frameMedianMs: percentile(intervals, 50),
          frameP95Ms: percentile(intervals, 95),
        };
      };
      const pan = await run((frame) => map.panBy(frame % 40 < 20 ? 6 : -6, 3 * Math.sin(frame / 5)), 120);
      const zoom = await run((frame) => map.zoomAt(frame % 40 < 20 ? 1.04 : 1 / 1.04, 600, 360), 120);
      return { points: count, pan, zoom, devicePixelRatio: window.devicePixelRatio };
    }, 50_000);
    await bench.close();
    console.log(`[map frame time] ${JSON.stringify(result)}`);
    expect(result.points).toBe(50_000);
    expect(result.devicePixelRatio).toBe(deviceScaleFactor);
    for (const measure of [result.pan, result.zoom]) {
      expect(Number.isFinite(measure.drawMedianMs) && measure.drawMedianMs > 0).toBe(true);
    }
    results.push(result);
  }
  const out = join(REPO_ROOT, 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'map-frame-time.json'), `${JSON.stringify(results, null, 2)}\n`);
});
