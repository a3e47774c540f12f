import type { ModelInfo } from '../../shared/index.js';
import type { AppContext } from '../app/context.js';
import { el } from './dom.js';

/**
 * What the active model reads decides every privacy claim on screen: a plain model sees decrypted images, so
 * no caption may call its input "encrypted".
 */
export function modelReadsPlain(model: ModelInfo | null): boolean {
  return model?.reads === 'plain';
}

/** One sentence on what reaches the model, for the models list and tooltips. */
export function modelReadsText(model: ModelInfo): string {
  switch (model.reads) {
    case 'plain':
      return 'Reads PLAIN images: the app decrypts each image before inference, so the model sees the decrypted image.';
    case 'transformed-for-key':
      return `Reads images encrypted with key ${model.keyFingerprint ?? '?'}: transformed for that key from the plain model ${model.transformedFrom ?? '?'} (in memory only, no training).`;
    case 'trained-for-key':
      return `Reads images encrypted (${model.condition}) with key ${model.keyFingerprint ?? '?'}: trained on them.`;
  }
}

/**
 * A view's introduction that follows the active model: `encrypted` while the model reads cipher images,
 * `decrypted` (in a warning style) while a plain model is active.
 */
export function modelAwareIntro(context: AppContext, encrypted: string, decrypted: string): HTMLElement {
  const paragraph = el('p', { attrs: { 'data-testid': 'view-intro' } });
  const render = (): void => {
    const plain = modelReadsPlain(context.store.activeModel);
    paragraph.textContent = plain ? decrypted : encrypted;
    paragraph.classList.toggle('warning-text', plain);
  };
  context.store.on('models', render);
  render();
  return paragraph;
}
