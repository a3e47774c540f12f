import type { AppContext } from '../app/context.js';
import { button, el, replaceChildren } from './dom.js';

/**
 * Explains, before the person tries, why inference cannot run: no model, or a model trained for
 * another key or condition. Kept current as keys and models change.
 */
export function modelNotice(context: AppContext): HTMLElement {
  const container = el('div', { attrs: { 'data-testid': 'model-notice' } });
  const render = (): void => {
    const model = context.store.activeModel;
    const key = context.store.keys?.active ?? null;
    const problem = !model
      ? 'No model is selected.'
      : !model.compatible
        ? `The active model "${model.name}" cannot be used with the active key: ${model.problems.join(' ')}`
        : !key && model.condition !== 'plain'
          ? 'No key is active: the model works on encrypted images, so a key is needed.'
          : null;
    replaceChildren(
      container,
      problem
        ? el(
            'div',
            { class: 'inline-note', attrs: { role: 'note' } },
            el('span', { text: `${problem} ` }),
            button('Open Settings', () => context.navigate('settings'), { class: 'btn btn-small' }),
          )
        : null,
    );
  };
  context.store.on('models', render);
  context.store.on('keys', render);
  render();
  return container;
}
