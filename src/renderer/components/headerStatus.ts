import type { AppContext } from '../app/context.js';
import { el, replaceChildren } from './dom.js';
import { modelReadsPlain, modelReadsText } from './modelInput.js';

function badge(
  text: string,
  tone: 'ok' | 'bad' | 'warn' | 'plain',
  title: string,
  testId: string,
): HTMLElement {
  return el('span', {
    class: tone === 'plain' ? 'badge' : `badge badge-${tone}`,
    text,
    attrs: { title, 'data-testid': testId },
  });
}

/** Always-visible state: which key, which model (and whether they fit), which device ran, how many images. */
export function createHeaderStatus(context: AppContext): HTMLElement {
  const container = el('div', { class: 'header-status', attrs: { 'aria-label': 'Status' } });
  const render = (): void => {
    const { store } = context;
    const key = store.keys?.active ?? null;
    const model = store.activeModel;
    const settings = store.settings;
    const workspace = store.workspace;
    replaceChildren(
      container,
      key
        ? badge(
            `Key ${key.fingerprint}${key.isDemo ? ' (public demo)' : ''}`,
            key.isDemo ? 'warn' : 'ok',
            key.isDemo
              ? 'The public demo key: anyone can decrypt images encrypted with it. Generate your own key for real data.'
              : `Active key ${key.label || key.fingerprint}`,
            'active-key',
          )
        : badge('No key', 'bad', 'Generate or import a key in Settings', 'active-key'),
      model && modelReadsPlain(model)
        ? badge(
            `Plain model — sees decrypted images (${model.id})`,
            'warn',
            modelReadsText(model),
            'active-model',
          )
        : model
          ? badge(
              `Model ${model.name}`,
              model.compatible ? 'plain' : 'bad',
              model.compatible ? modelReadsText(model) : model.problems.join(' '),
              'active-model',
            )
          : badge('No model', 'warn', 'Select a model in Settings', 'active-model'),
      settings?.executionProvider.lastUsed
        ? badge(
            `Ran on ${settings.executionProvider.lastUsed}`,
            'plain',
            'Execution provider of the last inference',
            'provider',
          )
        : null,
      workspace ? badge(`${workspace.itemCount} images`, 'plain', workspace.path, 'workspace-count') : null,
    );
  };
  for (const topic of ['keys', 'models', 'settings', 'workspace'] as const) context.store.on(topic, render);
  render();
  return container;
}
