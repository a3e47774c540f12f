import type { AppContext } from '../app/context.js';
import { button, el, replaceChildren } from './dom.js';
import { modelReadsPlain } from './modelInput.js';

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
      ? key
        ? `No model reads images encrypted with key ${key.fingerprint}: no model was trained for it and no transformable model is installed. Choose a model in Settings → Models.`
        : 'No model is selected.'
      : !model.compatible
        ? `The active model "${model.name}" cannot be used with the active key: ${model.problems.join(' ')}`
        : !key && model.condition !== 'plain'
          ? 'No key is active: the model works on encrypted images, so a key is needed.'
          : null;
    const plainWarning =
      model && model.compatible && modelReadsPlain(model)
        ? el(
            'div',
            {
              class: 'inline-note warning-note',
              attrs: { role: 'note', 'data-testid': 'plain-model-warning' },
            },
            el('span', {
              text: `The active model "${model.name}" reads PLAIN images: every image is decrypted before it reaches the model. `,
            }),
            button('Choose an encrypted model', () => context.navigate('settings'), {
              class: 'btn btn-small',
            }),
          )
        : null;
    replaceChildren(
      container,
      plainWarning,
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
