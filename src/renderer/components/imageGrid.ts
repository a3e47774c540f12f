import { el } from './dom.js';
import { saveCanvasPng, slug } from './download.js';
import { exportMenu } from './panel.js';

export interface GridImage {
  src: string;
  alt: string;
  /** A short tag drawn over the image, e.g. "plain" or "encrypted". */
  tag?: string;
}

export interface GridItem {
  id: string;
  images: readonly GridImage[];
  title: string;
  details?: readonly string[];
  /** Relevance colouring: green border when the item matches, red when it does not. */
  tone?: 'match' | 'miss' | 'damaged' | undefined;
}

export interface ImageGridOptions {
  title: string;
  items: readonly GridItem[];
  onOpen?: (item: GridItem) => void;
  testId?: string;
  /** Extra controls placed in the header next to the export button. */
  controls?: Node;
  subtitle?: string;
}

function tile(item: GridItem, index: number, onOpen?: (item: GridItem) => void): HTMLElement {
  const node = el(
    'div',
    {
      class: ['grid-tile', item.tone ? `tone-${item.tone}` : ''].join(' ').trim(),
      dataset: { id: item.id, index: String(index) },
      attrs: {
        role: onOpen ? 'button' : 'figure',
        tabindex: index === 0 ? 0 : -1,
        'aria-label': [item.title, ...(item.details ?? [])].join(', '),
        'data-testid': 'grid-tile',
      },
    },
    el(
      'div',
      { class: `tile-images tile-images-${item.images.length}` },
      ...item.images.map((image) =>
        el(
          'div',
          { class: 'tile-image' },
          el('img', { attrs: { src: image.src, alt: image.alt, draggable: 'false', decoding: 'async' } }),
          image.tag ? el('span', { class: 'tile-tag', text: image.tag }) : null,
        ),
      ),
    ),
    el('div', { class: 'tile-title', text: item.title }),
    ...(item.details ?? []).map((line) => el('div', { class: 'tile-detail', text: line })),
  );
  if (onOpen) node.addEventListener('click', () => onOpen(item));
  return node;
}

/** Column count as laid out by CSS grid, so arrow keys follow what the person sees. */
function columnCount(container: HTMLElement): number {
  const tiles = container.children;
  const first = tiles[0] as HTMLElement | undefined;
  if (!first) return 1;
  let columns = 0;
  for (const child of Array.from(tiles)) {
    if ((child as HTMLElement).offsetTop !== first.offsetTop) break;
    columns += 1;
  }
  return Math.max(1, columns);
}

function nextIndex(key: string, index: number, count: number, columns: number): number | undefined {
  switch (key) {
    case 'ArrowRight':
      return Math.min(count - 1, index + 1);
    case 'ArrowLeft':
      return Math.max(0, index - 1);
    case 'ArrowDown':
      return Math.min(count - 1, index + columns);
    case 'ArrowUp':
      return Math.max(0, index - columns);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}

/** Roving tabindex: the grid is one tab stop, arrow keys move inside it, Enter opens. */
function enableKeyboard(
  container: HTMLElement,
  items: readonly GridItem[],
  onOpen?: (item: GridItem) => void,
): void {
  container.addEventListener('keydown', (event) => {
    const current = (event.target as HTMLElement).closest<HTMLElement>('.grid-tile');
    if (!current) return;
    const index = Number(current.dataset['index']);
    if ((event.key === 'Enter' || event.key === ' ') && onOpen) {
      const item = items[index];
      if (item) {
        event.preventDefault();
        onOpen(item);
      }
      return;
    }
    const target = nextIndex(event.key, index, items.length, columnCount(container));
    if (target === undefined || target === index) return;
    event.preventDefault();
    const next = container.children[target] as HTMLElement | undefined;
    if (!next) return;
    current.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  });
}

export function imageGrid(options: ImageGridOptions): HTMLElement {
  const grid = el('div', {
    class: 'image-grid',
    attrs: { role: 'group', 'aria-label': options.title, 'data-testid': 'image-grid' },
  });
  options.items.forEach((item, index) => grid.appendChild(tile(item, index, options.onOpen)));
  // Tiles with a plain and a cipher image need twice the width to stay legible.
  grid.classList.toggle(
    'pairs',
    options.items.some((item) => item.images.length > 1),
  );
  enableKeyboard(grid, options.items, options.onOpen);
  return el(
    'section',
    { class: 'panel grid-panel', attrs: { 'data-testid': options.testId, 'aria-label': options.title } },
    el(
      'header',
      { class: 'panel-header' },
      el(
        'div',
        {},
        el('h3', { text: options.title }),
        options.subtitle ? el('p', { class: 'muted', text: options.subtitle }) : null,
      ),
      el(
        'div',
        { class: 'header-actions' },
        options.controls ?? null,
        exportMenu(options.title, [{ label: 'PNG', run: () => exportGridPng(options.title, options.items) }]),
      ),
    ),
    grid,
  );
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('a thumbnail could not be decoded for export'));
    image.src = src;
  });
}

const EXPORT = { image: 128, gap: 12, text: 16, columns: 6, title: 36 } as const;

/** Draws the grid onto a canvas (images, titles, details, relevance border) and saves it as PNG. */
export async function exportGridPng(title: string, items: readonly GridItem[]): Promise<void> {
  const imagesPerTile = Math.max(1, ...items.map((item) => item.images.length));
  const detailLines = Math.max(0, ...items.map((item) => item.details?.length ?? 0));
  const tileWidth = imagesPerTile * EXPORT.image + (imagesPerTile - 1) * 4;
  const tileHeight = EXPORT.image + (1 + detailLines) * EXPORT.text + 8;
  const columns = Math.min(EXPORT.columns, Math.max(1, items.length));
  const rows = Math.ceil(items.length / columns);
  const canvas = document.createElement('canvas');
  canvas.width = EXPORT.gap + columns * (tileWidth + EXPORT.gap);
  canvas.height = EXPORT.title + rows * (tileHeight + EXPORT.gap) + EXPORT.gap;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('canvas 2D context unavailable');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#1d2733';
  context.font = 'bold 18px sans-serif';
  context.fillText(title, EXPORT.gap, 24);
  context.font = '13px sans-serif';
  const decoded = await Promise.all(
    items.map((item) => Promise.all(item.images.map((image) => loadImage(image.src)))),
  );
  items.forEach((item, index) => {
    const x = EXPORT.gap + (index % columns) * (tileWidth + EXPORT.gap);
    const y = EXPORT.title + Math.floor(index / columns) * (tileHeight + EXPORT.gap);
    context.imageSmoothingEnabled = false;
    decoded[index]?.forEach((image, imageIndex) => {
      context.drawImage(image, x + imageIndex * (EXPORT.image + 4), y, EXPORT.image, EXPORT.image);
    });
    if (item.tone) {
      context.strokeStyle = item.tone === 'match' ? '#1f8a4c' : '#c0392b';
      context.lineWidth = 4;
      context.strokeRect(x - 2, y - 2, tileWidth + 4, EXPORT.image + 4);
    }
    context.fillStyle = '#1d2733';
    [item.title, ...(item.details ?? [])].forEach((line, lineIndex) => {
      context.fillText(line, x, y + EXPORT.image + (lineIndex + 1) * EXPORT.text, tileWidth);
    });
  });
  await saveCanvasPng(`${slug(title)}.png`, canvas);
}
