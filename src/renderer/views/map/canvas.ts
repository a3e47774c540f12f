import { boxPolygon, PointGrid, pointsInPolygon, type Polygon } from './geometry.js';

export type MapMode = 'pan' | 'box' | 'lasso';

/** Data → CSS pixels: sx = x·scale + tx, sy = −y·scale + ty (y grows upwards, as on a plot). */
export interface MapTransform {
  scale: number;
  tx: number;
  ty: number;
}

export interface MapCanvasOptions {
  /** The point under the pointer (index into the points), or null; with the pointer's client position. */
  onHover?: (index: number | null, clientX: number, clientY: number) => void;
  /** A click (no drag) on a point in pan mode. */
  onPick?: (index: number) => void;
  /** The points inside a finished box or lasso, in index order. */
  onSelect?: (indices: number[]) => void;
  /** Milliseconds each frame took to draw. */
  onFrame?: (milliseconds: number) => void;
  /** Accessible name of the canvas. */
  label?: string;
}

export interface MapCanvas {
  element: HTMLCanvasElement;
  /** `colours[i]` indexes `palette`. Fits the view to the points. */
  setPoints(xs: Float32Array, ys: Float32Array, colours: Uint16Array, palette: readonly string[]): void;
  setColours(colours: Uint16Array, palette: readonly string[]): void;
  setMode(mode: MapMode): void;
  /** Points drawn emphasised (the current selection); null clears. */
  setSelection(indices: readonly number[] | null): void;
  fit(): void;
  panBy(dx: number, dy: number): void;
  /** Zooms by `factor` keeping the CSS-pixel position (sx, sy) in place. */
  zoomAt(factor: number, sx: number, sy: number): void;
  transform(): MapTransform;
  /** Draws at once (not on the next animation frame) and returns how long it took, in ms. */
  drawNow(): number;
  /** A copy of the current view drawn at `ratio` device pixels per CSS pixel (exports). */
  snapshot(ratio: number): HTMLCanvasElement;
}

const POINT_RADIUS = 2.5;
const HOVER_RADIUS_PX = 7;
const CLICK_SLOP_PX = 4;
const MARGIN_PX = 24;
const ZOOM_STEP = 1.25;

/**
 * The embedding map's drawing surface: one canvas, points drawn as small squares into one pixel buffer (no
 * element, no path per point), redrawn on the next animation frame after any change. Drag pans (or draws a
 * box or lasso, by mode), the wheel zooms about the pointer, and the keyboard pans (arrows), zooms (+/−) and
 * fits (0). Independent of the API, so the frame-time benchmark can drive it with synthetic points.
 */
export function createMapCanvas(options: MapCanvasOptions = {}): MapCanvas {
  const canvas = document.createElement('canvas');
  canvas.className = 'map-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', options.label ?? 'Embedding map');
  canvas.dataset['testid'] = 'map-canvas';
  const screen2d = canvas.getContext('2d');

  let xs: Float32Array = new Float32Array(0);
  let ys: Float32Array = new Float32Array(0);
  let colours: Uint16Array = new Uint16Array(0);
  let palette: readonly string[] = [];
  /** Point indices grouped by colour, so each colour is one path and one fill. */
  let groups: Int32Array[] = [];
  let grid = new PointGrid(xs, ys);
  let selected: Int32Array | null = null;
  let mode: MapMode = 'pan';
  const view: MapTransform = { scale: 1, tx: 0, ty: 0 };
  let cssWidth = 0;
  let cssHeight = 0;
  let frame = 0;
  /** The box or lasso being drawn, in CSS pixels. */
  let sketch: number[] | null = null;
  let boxStart: [number, number] | null = null;

  const regroup = (): void => {
    const counts = new Int32Array(palette.length);
    for (let i = 0; i < colours.length; i++) counts[colours[i]!]!++;
    groups = Array.from(counts, (count) => new Int32Array(count));
    const fill = new Int32Array(palette.length);
    for (let i = 0; i < colours.length; i++) {
      const c = colours[i]!;
      groups[c]![fill[c]!++] = i;
    }
  };

  const measure = (): boolean => {
    const rect = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width));
    const height = Math.max(1, Math.round(rect.height));
    const changed = width !== cssWidth || height !== cssHeight;
    cssWidth = width;
    cssHeight = height;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    return changed;
  };

  const draw = (): number => {
    const started = performance.now();
    frame = 0;
    if (!screen2d) return 0;
    paint(screen2d, canvas.width / Math.max(1, cssWidth));
    // What the page shows, for tests and tools that turn data coordinates into pointer positions.
    canvas.dataset['transform'] = JSON.stringify(view);
    canvas.dataset['points'] = String(xs.length);
    const elapsed = performance.now() - started;
    options.onFrame?.(elapsed);
    return elapsed;
  };

  /** Palette colours as 32-bit RGBA pixels (canvas byte order), parsed once per palette by the canvas itself. */
  let pixelColours: Uint32Array = new Uint32Array(0);
  const parsePalette = (): void => {
    const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
    pixelColours = new Uint32Array(palette.length);
    palette.forEach((colour, index) => {
      if (!probe) return;
      probe.clearRect(0, 0, 1, 1);
      probe.fillStyle = colour;
      probe.fillRect(0, 0, 1, 1);
      pixelColours[index] = new Uint32Array(probe.getImageData(0, 0, 1, 1).data.buffer)[0]!;
    });
  };
  let buffer: ImageData | null = null;

  /**
   * Points are written straight into one pixel buffer and put in a single call: 50,000 path rectangles cost the
   * software rasteriser (no GPU) far more than the few million plain pixel writes this takes.
   */
  const paint = (context2d: CanvasRenderingContext2D, ratio: number): void => {
    const width = context2d.canvas.width;
    const height = context2d.canvas.height;
    if (!buffer || buffer.width !== width || buffer.height !== height) buffer = new ImageData(width, height);
    const pixels = new Uint32Array(buffer.data.buffer);
    pixels.fill(0);
    const { scale, tx, ty } = view;
    const side = Math.max(2, Math.round(POINT_RADIUS * 2 * ratio));
    const half = side / 2;
    // While a selection is shown, the other points fade (alpha byte lowered; canvas pixels are little-endian RGBA).
    const fade = selected !== null;
    const stamp = (i: number, colour: number, grow: number): void => {
      const left = Math.round((xs[i]! * scale + tx) * ratio - half) - grow;
      const top = Math.round((-ys[i]! * scale + ty) * ratio - half) - grow;
      const size = side + 2 * grow;
      const x0 = Math.max(0, left);
      const x1 = Math.min(width, left + size);
      const y0 = Math.max(0, top);
      const y1 = Math.min(height, top + size);
      // Plain loops: a typed-array fill() call per 5-pixel row costs more than the writes themselves.
      for (let y = y0; y < y1; y++) {
        const end = y * width + x1;
        for (let offset = y * width + x0; offset < end; offset++) pixels[offset] = colour;
      }
    };
    for (const members of groups) {
      for (let k = 0; k < members.length; k++) {
        const i = members[k]!;
        const colour = pixelColours[colours[i]!] ?? 0xff888888;
        stamp(i, fade ? (colour & 0x00ffffff) | 0x55000000 : colour, 0);
      }
    }
    if (selected) {
      for (let k = 0; k < selected.length; k++) stamp(selected[k]!, 0xff271811, 1);
      for (let k = 0; k < selected.length; k++) {
        const i = selected[k]!;
        stamp(i, pixelColours[colours[i]!] ?? 0xff888888, 0);
      }
    }
    context2d.setTransform(1, 0, 0, 1, 0, 0);
    context2d.putImageData(buffer, 0, 0);
    context2d.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (sketch && sketch.length >= 4) {
      context2d.strokeStyle = '#2563eb';
      context2d.fillStyle = 'rgba(37, 99, 235, 0.08)';
      context2d.lineWidth = 1.5;
      context2d.setLineDash([4, 3]);
      context2d.beginPath();
      context2d.moveTo(sketch[0]!, sketch[1]!);
      for (let k = 2; k < sketch.length; k += 2) context2d.lineTo(sketch[k]!, sketch[k + 1]!);
      context2d.closePath();
      context2d.fill();
      context2d.stroke();
      context2d.setLineDash([]);
    }
  };

  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(() => draw());
  };

  const fit = (): void => {
    measure();
    if (xs.length === 0) {
      Object.assign(view, { scale: 1, tx: cssWidth / 2, ty: cssHeight / 2 });
      schedule();
      return;
    }
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      minX = Math.min(minX, xs[i]!);
      maxX = Math.max(maxX, xs[i]!);
      minY = Math.min(minY, ys[i]!);
      maxY = Math.max(maxY, ys[i]!);
    }
    const spanX = Math.max(maxX - minX, 1e-9);
    const spanY = Math.max(maxY - minY, 1e-9);
    const scale = Math.min((cssWidth - 2 * MARGIN_PX) / spanX, (cssHeight - 2 * MARGIN_PX) / spanY);
    view.scale = Math.max(scale, 1e-9);
    view.tx = cssWidth / 2 - ((minX + maxX) / 2) * view.scale;
    view.ty = cssHeight / 2 + ((minY + maxY) / 2) * view.scale;
    schedule();
  };

  const panBy = (dx: number, dy: number): void => {
    view.tx += dx;
    view.ty += dy;
    schedule();
  };
  const zoomAt = (factor: number, sx: number, sy: number): void => {
    view.tx = sx - (sx - view.tx) * factor;
    view.ty = sy - (sy - view.ty) * factor;
    view.scale *= factor;
    schedule();
  };

  const local = (event: MouseEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };
  const toData = (sx: number, sy: number): [number, number] => [
    (sx - view.tx) / view.scale,
    (view.ty - sy) / view.scale,
  ];
  const hitTest = (sx: number, sy: number): number => {
    const [x, y] = toData(sx, sy);
    return grid.nearest(x, y, HOVER_RADIUS_PX / view.scale);
  };
  const select = (screenPolygon: Polygon): void => {
    const dataPolygon: number[] = [];
    for (let k = 0; k < screenPolygon.length; k += 2) {
      dataPolygon.push(...toData(screenPolygon[k]!, screenPolygon[k + 1]!));
    }
    options.onSelect?.(pointsInPolygon(xs, ys, dataPolygon));
  };

  let drag: { startX: number; startY: number; lastX: number; lastY: number; moved: boolean } | null = null;
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    const [sx, sy] = local(event);
    drag = { startX: sx, startY: sy, lastX: sx, lastY: sy, moved: false };
    if (mode === 'lasso') sketch = [sx, sy];
    if (mode === 'box') {
      boxStart = [sx, sy];
      sketch = [...boxPolygon(sx, sy, sx, sy)];
    }
    options.onHover?.(null, event.clientX, event.clientY);
  });
  canvas.addEventListener('pointermove', (event) => {
    const [sx, sy] = local(event);
    if (!drag) {
      const index = hitTest(sx, sy);
      options.onHover?.(index < 0 ? null : index, event.clientX, event.clientY);
      return;
    }
    if (Math.hypot(sx - drag.startX, sy - drag.startY) > CLICK_SLOP_PX) drag.moved = true;
    if (mode === 'pan') panBy(sx - drag.lastX, sy - drag.lastY);
    else if (mode === 'lasso') {
      sketch?.push(sx, sy);
      schedule();
    } else if (boxStart) {
      sketch = [...boxPolygon(boxStart[0], boxStart[1], sx, sy)];
      schedule();
    }
    drag.lastX = sx;
    drag.lastY = sy;
  });
  const finish = (event: PointerEvent): void => {
    if (!drag) return;
    const [sx, sy] = local(event);
    const ended = drag;
    drag = null;
    if (mode === 'pan') {
      if (!ended.moved) {
        const index = hitTest(sx, sy);
        if (index >= 0) options.onPick?.(index);
      }
    } else if (mode === 'lasso') {
      sketch?.push(sx, sy);
      if (sketch && sketch.length >= 6) select(sketch);
    } else if (boxStart) {
      select(boxPolygon(boxStart[0], boxStart[1], sx, sy));
    }
    sketch = null;
    boxStart = null;
    schedule();
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', () => {
    drag = null;
    sketch = null;
    boxStart = null;
    schedule();
  });
  canvas.addEventListener('pointerleave', (event) => {
    if (!drag) options.onHover?.(null, event.clientX, event.clientY);
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const [sx, sy] = local(event);
      zoomAt(Math.exp(-event.deltaY / 400), sx, sy);
    },
    { passive: false },
  );
  canvas.addEventListener('keydown', (event) => {
    const step = 40;
    const centre = (): [number, number] => [cssWidth / 2, cssHeight / 2];
    const actions: Record<string, () => void> = {
      ArrowLeft: () => panBy(step, 0),
      ArrowRight: () => panBy(-step, 0),
      ArrowUp: () => panBy(0, step),
      ArrowDown: () => panBy(0, -step),
      '+': () => zoomAt(ZOOM_STEP, ...centre()),
      '=': () => zoomAt(ZOOM_STEP, ...centre()),
      '-': () => zoomAt(1 / ZOOM_STEP, ...centre()),
      '0': fit,
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  new ResizeObserver(() => {
    const hadSize = cssWidth > 1;
    if (measure()) {
      if (hadSize) schedule();
      else fit();
    }
  }).observe(canvas);

  return {
    element: canvas,
    setPoints(nextXs, nextYs, nextColours, nextPalette) {
      xs = nextXs;
      ys = nextYs;
      colours = nextColours;
      palette = nextPalette;
      selected = null;
      grid = new PointGrid(xs, ys);
      parsePalette();
      regroup();
      fit();
    },
    setColours(nextColours, nextPalette) {
      colours = nextColours;
      palette = nextPalette;
      parsePalette();
      regroup();
      schedule();
    },
    setMode(next) {
      mode = next;
      canvas.dataset['mode'] = next;
      canvas.classList.toggle('map-canvas-select', next !== 'pan');
    },
    setSelection(indices) {
      selected = indices ? Int32Array.from(indices) : null;
      schedule();
    },
    fit,
    panBy,
    zoomAt,
    transform: () => ({ ...view }),
    drawNow() {
      if (frame !== 0) cancelAnimationFrame(frame);
      measure();
      return draw();
    },
    snapshot(ratio) {
      measure();
      const copy = document.createElement('canvas');
      copy.width = Math.round(cssWidth * ratio);
      copy.height = Math.round(cssHeight * ratio);
      const target = copy.getContext('2d');
      if (!target) throw new Error('canvas 2D context unavailable');
      paint(target, ratio);
      return copy;
    },
  };
}
