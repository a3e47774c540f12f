/** A polygon as x, y pairs end to end: [x0, y0, x1, y1, …]. Closed implicitly (last vertex joins the first). */
export type Polygon = readonly number[];

/** Even–odd ray casting; a point exactly on an edge may fall either way, like any lasso tool. */
export function insidePolygon(x: number, y: number, polygon: Polygon): boolean {
  const count = polygon.length / 2;
  let inside = false;
  for (let i = 0, j = count - 1; i < count; j = i++) {
    const xi = polygon[i * 2]!;
    const yi = polygon[i * 2 + 1]!;
    const xj = polygon[j * 2]!;
    const yj = polygon[j * 2 + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Indices of the points (xs[i], ys[i]) inside the polygon, in index order; a bounding-box test first. */
export function pointsInPolygon(xs: Float32Array, ys: Float32Array, polygon: Polygon): number[] {
  if (polygon.length < 6) return [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < polygon.length; i += 2) {
    minX = Math.min(minX, polygon[i]!);
    maxX = Math.max(maxX, polygon[i]!);
    minY = Math.min(minY, polygon[i + 1]!);
    maxY = Math.max(maxY, polygon[i + 1]!);
  }
  const found: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    if (insidePolygon(x, y, polygon)) found.push(i);
  }
  return found;
}

/** The rectangle between two corners as a polygon. */
export function boxPolygon(x0: number, y0: number, x1: number, y1: number): Polygon {
  return [x0, y0, x1, y0, x1, y1, x0, y1];
}

/**
 * A uniform grid over the points' bounds for nearest-point lookups (hover, click): each query looks only at the
 * cells within the radius, so hovering stays cheap at 50,000 points.
 */
export class PointGrid {
  private readonly cellOf: Int32Array;
  private readonly starts: Int32Array;
  private readonly order: Int32Array;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  private readonly columns: number;
  private readonly rows: number;

  constructor(
    private readonly xs: Float32Array,
    private readonly ys: Float32Array,
  ) {
    const n = xs.length;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, xs[i]!);
      maxX = Math.max(maxX, xs[i]!);
      minY = Math.min(minY, ys[i]!);
      maxY = Math.max(maxY, ys[i]!);
    }
    if (n === 0) minX = minY = maxX = maxY = 0;
    const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
    this.minX = minX;
    this.minY = minY;
    this.cell = Math.max(maxX - minX, maxY - minY, 1e-9) / side;
    this.columns = Math.floor((maxX - minX) / this.cell) + 1;
    this.rows = Math.floor((maxY - minY) / this.cell) + 1;
    // Counting sort of the points by cell: `order` lists point indices cell by cell, `starts` where each begins.
    this.cellOf = new Int32Array(n);
    const counts = new Int32Array(this.columns * this.rows + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cellIndex(xs[i]!, ys[i]!);
      this.cellOf[i] = c;
      counts[c + 1]!++;
    }
    for (let c = 1; c < counts.length; c++) counts[c]! += counts[c - 1]!;
    this.starts = counts.slice();
    this.order = new Int32Array(n);
    const fill = counts.slice();
    for (let i = 0; i < n; i++) this.order[fill[this.cellOf[i]!]!++] = i;
  }

  private cellIndex(x: number, y: number): number {
    const column = Math.min(this.columns - 1, Math.max(0, Math.floor((x - this.minX) / this.cell)));
    const row = Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.minY) / this.cell)));
    return row * this.columns + column;
  }

  /** The point nearest (x, y) within `radius` (data units), or -1. */
  nearest(x: number, y: number, radius: number): number {
    const c0 = Math.max(0, Math.floor((x - radius - this.minX) / this.cell));
    const c1 = Math.min(this.columns - 1, Math.floor((x + radius - this.minX) / this.cell));
    const r0 = Math.max(0, Math.floor((y - radius - this.minY) / this.cell));
    const r1 = Math.min(this.rows - 1, Math.floor((y + radius - this.minY) / this.cell));
    let best = -1;
    let bestDistance = radius * radius;
    for (let row = r0; row <= r1; row++) {
      for (let column = c0; column <= c1; column++) {
        const c = row * this.columns + column;
        for (let k = this.starts[c]!; k < this.starts[c + 1]!; k++) {
          const i = this.order[k]!;
          const distance = (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2;
          if (distance <= bestDistance) {
            bestDistance = distance;
            best = i;
          }
        }
      }
    }
    return best;
  }
}
