import type { LibraryItem } from '../../shared/index.js';
import type { AppContext } from '../app/context.js';
import { dicomSection } from './dicomPanel.js';
import { openDialog } from './dialog.js';
import { button, el } from './dom.js';
import { definitionList, imageFigure } from './figures.js';
import { attempt, reportSuccess } from './messages.js';

/** One image opened from a grid: both renderings, where it came from, and what can be done with it. */
export function openItemDialog(context: AppContext, item: LibraryItem, onChanged: () => void): void {
  const labelInput = el('input', {
    attrs: { type: 'text', value: item.label ?? '', 'aria-label': 'Label', maxlength: 128 },
  });
  const saveLabel = async (): Promise<void> => {
    const label = labelInput.value.trim();
    const updated = await attempt('Could not change the label', () =>
      context.api.libraryUpdate({ id: item.id, label: label === '' ? null : label }),
    );
    if (updated) {
      reportSuccess('Label saved', `${updated.name}: ${updated.label ?? 'unlabelled'}`);
      void context.store.refresh('workspace');
      onChanged();
    }
  };
  // Two clicks to remove: the encrypted original may be the only copy.
  const removeButton = (): HTMLButtonElement => {
    let armed = false;
    const node = button(
      'Remove from workspace',
      () => {
        if (!armed) {
          armed = true;
          node.textContent = 'Click again to remove';
          return;
        }
        void attempt('Could not remove the image', () => context.api.libraryRemove({ ids: [item.id] })).then(
          (result) => {
            if (!result) return;
            dialog.close();
            reportSuccess('Image removed', item.name);
            void context.store.refresh('workspace');
            onChanged();
          },
        );
      },
      { class: 'btn btn-danger' },
    );
    node.addEventListener('blur', () => {
      armed = false;
      node.textContent = 'Remove from workspace';
    });
    return node;
  };
  const go = (view: 'classify' | 'retrieve' | 'security'): void => {
    dialog.close();
    context.navigate(view, { itemId: item.id });
  };
  const dialog = openDialog(
    item.name,
    el(
      'div',
      { class: 'result-images' },
      item.thumbnails.plain
        ? imageFigure(item.thumbnails.plain, 'decrypted (key holder only)', 'large')
        : null,
      imageFigure(item.thumbnails.encrypted, 'stored, encrypted', 'large'),
    ),
    item.damage !== null
      ? el('p', {
          class: 'inline-note',
          attrs: { role: 'alert' },
          text: `This image is damaged and cannot be shown or used: ${item.damage}. Remove it from the workspace (and import the original again if you have it).`,
        })
      : item.canDecrypt
        ? null
        : el('p', {
            class: 'inline-note',
            text: `Encrypted with key ${item.keyFingerprint}; the active key cannot decrypt or classify it. Select that key in Settings.`,
          }),
    definitionList([
      ['Label', item.label ?? 'unlabelled'],
      ['Source', item.source],
      ['Size', `${item.size} × ${item.size}`],
      ['Conversion', item.conversion.join('; ') || 'none'],
      ['Key', item.keyFingerprint],
      ['Imported', new Date(item.importedAt).toLocaleString()],
      [
        'Prediction',
        item.prediction
          ? `${item.prediction.label} (${(item.prediction.probability * 100).toFixed(1)}%, ${item.prediction.modelId})`
          : 'not classified yet',
      ],
    ]),
    // DICOM items: the decrypted header fields and the window, for the key holder (hidden for other images).
    dicomSection(context, item, (updated) => {
      // The model input, its conversion steps and prediction changed: show the item as it is now.
      dialog.close();
      onChanged();
      openItemDialog(context, updated, onChanged);
    }),
    el(
      'div',
      { class: 'toolbar' },
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Label' }), labelInput),
      button('Save label', () => void saveLabel()),
    ),
    el(
      'div',
      { class: 'toolbar' },
      button('Classify', () => go('classify'), { class: 'btn btn-primary', disabled: !item.canDecrypt }),
      button('Find similar', () => go('retrieve'), { disabled: !item.canDecrypt }),
      button('Security analysis', () => go('security'), { disabled: !item.canDecrypt }),
      removeButton(),
    ),
  );
}
