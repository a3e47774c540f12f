import { getApi } from './api/index.js';
import {
  type AppContext,
  type View,
  type ViewFactory,
  type ViewId,
  type ViewParams,
  VIEW_IDS,
} from './app/context.js';
import { createJobBar } from './app/jobs.js';
import { AppStore } from './app/store.js';
import { applyStoredTheme } from './app/theme.js';
import { createHeaderStatus } from './components/headerStatus.js';
import { el, replaceChildren } from './components/dom.js';
import { createMessageArea, describeError } from './components/messages.js';
import { createClassifyView } from './views/classify.js';
import { createEvaluateView } from './views/evaluate.js';
import { createLibraryView } from './views/library.js';
import { createMapView } from './views/map.js';
import { createRetrieveView } from './views/retrieve.js';
import { createSecurityView } from './views/security.js';
import { createSettingsView } from './views/settings.js';

const VIEWS: Record<ViewId, { title: string; hint: string; create: ViewFactory }> = {
  library: { title: 'Library', hint: 'Import and browse', create: createLibraryView },
  classify: { title: 'Classify', hint: 'Predict classes', create: createClassifyView },
  retrieve: { title: 'Retrieve', hint: 'Find similar images', create: createRetrieveView },
  map: { title: 'Map', hint: 'Embeddings in 2-D', create: createMapView },
  evaluate: { title: 'Evaluate', hint: 'Metrics and study', create: createEvaluateView },
  security: { title: 'Security', hint: 'Cipher analysis', create: createSecurityView },
  settings: { title: 'Settings', hint: 'Keys, models, devices', create: createSettingsView },
};

function parseHash(hash: string): { view: ViewId; params: ViewParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEW_IDS as readonly string[]).includes(path) ? (path as ViewId) : 'library';
  const itemId = new URLSearchParams(query).get('item');
  return { view, params: itemId ? { itemId } : {} };
}

function hashFor(view: ViewId, params: ViewParams = {}): string {
  return params.itemId ? `#/${view}?item=${encodeURIComponent(params.itemId)}` : `#/${view}`;
}

function brandMark(): SVGSVGElement {
  // A lens over a grid: drawn in SVG so the shell needs no image file and stays within the CSP.
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'brand-mark');
  svg.setAttribute('aria-hidden', 'true');
  const shapes: [string, Record<string, string>][] = [
    [
      'rect',
      {
        x: '2',
        y: '2',
        width: '14',
        height: '14',
        rx: '2',
        fill: 'none',
        stroke: 'currentColor',
        'stroke-width': '1.5',
        'stroke-dasharray': '2 2',
      },
    ],
    ['circle', { cx: '13', cy: '13', r: '6', fill: 'none', stroke: 'currentColor', 'stroke-width': '2' }],
    [
      'line',
      {
        x1: '17.5',
        y1: '17.5',
        x2: '22',
        y2: '22',
        stroke: 'currentColor',
        'stroke-width': '2.5',
        'stroke-linecap': 'round',
      },
    ],
  ];
  for (const [tag, attributes] of shapes) {
    const shape = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
    svg.appendChild(shape);
  }
  return svg;
}

async function start(root: HTMLElement): Promise<void> {
  applyStoredTheme();
  const api = getApi();
  const messages = createMessageArea();
  document.body.appendChild(messages);
  let info;
  try {
    info = await api.appInfo();
  } catch (error) {
    replaceChildren(
      root,
      el(
        'div',
        { class: 'startup-error', attrs: { role: 'alert' } },
        el('h1', { text: 'CipherLens cannot reach its back end' }),
        el('p', { text: describeError(error) }),
      ),
    );
    return;
  }
  const store = new AppStore(api);
  const main = el('main', { class: 'main', attrs: { id: 'main', tabindex: -1 } });
  const nav = el('nav', { class: 'nav', attrs: { 'aria-label': 'Views' } });
  const views = new Map<ViewId, View>();

  const context: AppContext = {
    api,
    info,
    store,
    navigate: (view, params) => {
      const target = hashFor(view, params);
      if (location.hash === target) route();
      else location.hash = target;
    },
  };

  const links = VIEW_IDS.map((id) => {
    const link = el(
      'a',
      { attrs: { href: hashFor(id), 'data-view': id } },
      el('span', { text: VIEWS[id].title }),
      el('span', { class: 'nav-hint', text: VIEWS[id].hint }),
    );
    nav.appendChild(link);
    return link;
  });

  const route = (): void => {
    const { view: id, params } = parseHash(location.hash);
    let view = views.get(id);
    if (!view) {
      view = VIEWS[id].create(context);
      view.element.classList.add('view');
      view.element.dataset['view'] = id;
      views.set(id, view);
      main.appendChild(view.element);
    }
    for (const [otherId, other] of views) other.element.hidden = otherId !== id;
    for (const link of links) {
      if (link.dataset['view'] === id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${VIEWS[id].title} · CipherLens`;
    view.show?.(params);
  };

  replaceChildren(
    root,
    el(
      'div',
      { class: 'app' },
      el('a', {
        class: 'skip-link',
        text: 'Skip to content',
        attrs: { href: '#main' },
        on: {
          click: (event) => {
            event.preventDefault();
            main.focus();
          },
        },
      }),
      el('div', { class: 'brand' }, brandMark(), el('span', { text: 'CipherLens' })),
      el('header', { class: 'app-header' }, createHeaderStatus(context)),
      nav,
      main,
      createJobBar(api),
    ),
  );
  await store.refresh('keys', 'models', 'workspace', 'settings');
  window.addEventListener('hashchange', route);
  route();
}

const root = document.getElementById('app');
if (root) void start(root);
