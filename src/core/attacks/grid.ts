import sharp from 'sharp';

/** One labelled row of equally sized greyscale images (count × N² bytes); the label may hold line breaks. */
export interface GridRow {
  label: string;
  images: Uint8Array;
}

export interface GridBlock {
  title: string;
  size: number;
  rows: GridRow[];
}

const CELL = 128;
const GAP = 6;
const LABEL_WIDTH = 200;
const TITLE_HEIGHT = 30;
const BACKGROUND = 210;

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A PNG of blocks of rows (e.g. originals, ciphertexts, recoveries), `columns` images per row, each image scaled up
 * by an integer factor (nearest neighbour: pixels stay exact) and centred in a 128-pixel cell, with the row labels
 * on the left and one title per block.
 */
export async function renderImageGrid(blocks: readonly GridBlock[], columns: number): Promise<Buffer> {
  const width = LABEL_WIDTH + columns * (CELL + GAP) + GAP;
  const height = blocks.reduce(
    (sum, block) => sum + TITLE_HEIGHT + block.rows.length * (CELL + GAP) + GAP,
    0,
  );
  const canvas = new Uint8Array(width * height).fill(BACKGROUND);
  const texts: string[] = [];
  let top = 0;
  for (const block of blocks) {
    const n = block.size;
    const scale = Math.max(1, Math.floor(CELL / n));
    const drawn = n * scale;
    const inset = Math.floor((CELL - drawn) / 2);
    texts.push(
      `<text x="${GAP}" y="${top + 21}" font-family="DejaVu Sans, sans-serif" font-size="17" font-weight="bold">${escapeXml(block.title)}</text>`,
    );
    top += TITLE_HEIGHT;
    for (const row of block.rows) {
      const lines = row.label.split('\n');
      lines.forEach((line, i) => {
        const y = top + CELL / 2 + 5 + (i - (lines.length - 1) / 2) * 18;
        texts.push(
          `<text x="${GAP}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="14">${escapeXml(line)}</text>`,
        );
      });
      const count = Math.min(columns, Math.floor(row.images.length / (n * n)));
      for (let c = 0; c < count; c++) {
        const left = LABEL_WIDTH + GAP + c * (CELL + GAP) + inset;
        const base = c * n * n;
        for (let y = 0; y < drawn; y++) {
          const sourceRow = base + Math.floor(y / scale) * n;
          const target = (top + inset + y) * width + left;
          for (let x = 0; x < drawn; x++) canvas[target + x] = row.images[sourceRow + Math.floor(x / scale)]!;
        }
      }
      top += CELL + GAP;
    }
    top += GAP;
  }
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${texts.join('')}</svg>`,
  );
  return sharp(canvas, { raw: { width, height, channels: 1 } })
    .composite([{ input: svg, top: 0, left: 0 }])
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}
