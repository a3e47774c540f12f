import type { AppContext } from '../../app/context.js';
import { el, replaceChildren } from '../../components/dom.js';
import { imageFigure } from '../../components/figures.js';
import { fileButton } from '../../components/fileInputs.js';
import { describeError } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import { inlineError } from '../../components/viewHeader.js';

/**
 * Opens a .clens file someone sent (e.g. from `cipherlens encrypt`) with the active key. A file for
 * another key, or one that was altered, is refused with the reason — never shown as noise.
 */
export function createDecryptFile(context: AppContext): HTMLElement {
  const output = el('div', { attrs: { 'data-testid': 'decrypt-output', 'aria-live': 'polite' } });

  const open = async (file: File): Promise<void> => {
    replaceChildren(output, el('p', { class: 'muted', text: `Decrypting ${file.name}…` }));
    try {
      const source = await context.api.sourceForFile(file);
      if (source.kind === 'item') throw new Error('a library item is not an encrypted file');
      const result = await context.api.previewDecrypt({ source });
      replaceChildren(
        output,
        el(
          'div',
          { class: 'result-images' },
          imageFigure(result.encrypted, 'as stored in the file'),
          imageFigure(result.plain, 'decrypted with the active key'),
        ),
        el('p', {
          class: 'muted',
          text: `${file.name}: ${result.size}×${result.size}, ${result.condition}, key ${result.keyFingerprint}. The file's authentication tag checked out.`,
        }),
      );
    } catch (error) {
      replaceChildren(output, inlineError(`Cannot open ${file.name}: ${describeError(error)}`));
    }
  };

  return panel(
    'Open an encrypted file',
    [
      el(
        'div',
        { class: 'toolbar' },
        fileButton('Open .clens file…', (files) => void (files[0] && open(files[0])), {
          accept: '.clens',
          testId: 'decrypt-file-input',
        }),
      ),
      output,
    ],
    {
      testId: 'decrypt-file',
      subtitle: 'Decrypt a CipherLens file (.clens) with the active key, without adding it to the workspace.',
    },
  );
}
