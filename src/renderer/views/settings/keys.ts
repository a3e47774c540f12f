import type { KeyInfo } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { button, el, field, replaceChildren } from '../../components/dom.js';
import { saveText } from '../../components/download.js';
import { fileButton } from '../../components/fileInputs.js';
import { attempt, reportError, reportSuccess } from '../../components/messages.js';
import { panel } from '../../components/panel.js';
import {
  exportPassphraseProblem,
  exportWithoutClobbering,
  keyFileProblem,
  keyListModel,
  MIN_PASSPHRASE_LENGTH,
  type KeyRowModel,
} from './keys-state.js';
import { createRekeyArea, type RekeyArea } from './rekey.js';

function keyRow(
  context: AppContext,
  { key, active, details }: KeyRowModel,
  onExport: (key: KeyInfo) => void,
  rekey: RekeyArea,
): HTMLElement {
  return el(
    'li',
    {
      class: active ? 'key-row active' : 'key-row',
      attrs: { 'data-testid': 'key-row', 'data-fingerprint': key.fingerprint },
    },
    el(
      'div',
      {},
      el(
        'div',
        {},
        el('code', { class: 'fingerprint', text: key.fingerprint }),
        active ? el('span', { class: 'badge badge-ok', text: 'active' }) : null,
      ),
      el('div', { class: 'muted', text: details }),
      key.isDemo
        ? el('div', {
            class: 'demo-warning',
            text: 'PUBLIC demo key: the shipped models were trained with it, and anyone can decrypt with it. Never use it for patient images.',
          })
        : null,
    ),
    el(
      'div',
      { class: 'toolbar' },
      active
        ? null
        : button(
            'Use this key',
            () =>
              void attempt('Could not select the key', async () => {
                await context.api.keysSelect({ fingerprint: key.fingerprint });
                reportSuccess('Key selected', key.fingerprint);
                await context.store.refresh('keys', 'models', 'workspace');
              }),
            { class: 'btn btn-small' },
          ),
      button('Export…', () => onExport(key), { class: 'btn btn-small' }),
      rekey.canOffer(key)
        ? button('Re-encrypt images to this key…', () => rekey.offer(key), {
            class: 'btn btn-small',
            disabled: rekey.running,
            testId: 'rekey-offer',
            title: 'Key rotation: re-encrypt the workspace images of another key with this one',
          })
        : null,
    ),
  );
}

/** Generate, import, select and export keys; only fingerprints are ever shown. */
export function createKeysPanel(context: AppContext): HTMLElement {
  const list = el('ul', { class: 'key-list', attrs: { 'data-testid': 'key-list' } });
  const storage = el('p', { class: 'muted' });
  const exportArea = el('div');

  const refreshAll = (): Promise<void> => context.store.refresh('keys', 'models', 'workspace');

  const showExport = (key: KeyInfo): void => {
    const passphrase = el('input', {
      attrs: {
        type: 'password',
        autocomplete: 'new-password',
        minlength: MIN_PASSPHRASE_LENGTH,
        'data-testid': 'export-passphrase',
      },
    });
    const confirm = el('input', {
      attrs: { type: 'password', autocomplete: 'new-password', 'data-testid': 'export-confirm' },
    });
    const doExport = async (): Promise<void> => {
      const problem = exportPassphraseProblem(passphrase.value, confirm.value);
      if (problem) {
        reportError(problem.message, problem.title);
        return;
      }
      let path: string | undefined;
      if (context.info.capabilities.nativeDialogs) {
        const picked = await attempt('Could not open the save dialog', () =>
          context.api.hostPickPaths({ purpose: 'key-export' }),
        );
        path = picked?.paths[0];
        if (!path) return;
      }
      const exportTo = (overwrite: boolean) =>
        context.api.keysExport({
          fingerprint: key.fingerprint,
          passphrase: passphrase.value,
          ...(path ? { path, overwrite } : {}),
        });
      // The back end never replaces a file unasked: the person decides, here.
      const result = await attempt('Key export failed', () =>
        exportWithoutClobbering(exportTo, path, (existing) =>
          window.confirm(`${existing} already exists. Replace it with the exported key?`),
        ),
      );
      if (!result) return;
      if (result.protectedText) saveText(result.fileName, result.protectedText, 'application/json');
      reportSuccess('Key exported, protected by your passphrase', result.path ?? result.fileName);
      replaceChildren(exportArea);
    };
    replaceChildren(
      exportArea,
      el(
        'div',
        { class: 'panel-inset', attrs: { 'data-testid': 'key-export' } },
        el('p', {
          text: `Export key ${key.fingerprint}. The file is encrypted with this passphrase (scrypt + AES-256-GCM); keep both safe and apart.`,
        }),
        el(
          'div',
          { class: 'toolbar' },
          field('Passphrase (8 characters or more)', passphrase),
          field('Repeat passphrase', confirm),
          button('Export key file', () => void doExport(), {
            class: 'btn btn-primary',
            testId: 'export-run',
          }),
          button('Cancel', () => replaceChildren(exportArea)),
        ),
      ),
    );
    passphrase.focus();
  };

  const render = (): void => {
    const model = keyListModel(context.store.keys, context.store.workspace);
    storage.textContent = model.storage;
    replaceChildren(list, ...model.rows.map((row) => keyRow(context, row, showExport, rekey)));
    if (model.empty) list.appendChild(el('li', { class: 'muted', text: model.empty }));
  };
  const rekey: RekeyArea = createRekeyArea(context, showExport, () => render());
  context.store.on('keys', render);
  context.store.on('workspace', render);

  const label = el('input', {
    attrs: { type: 'text', maxlength: 128, placeholder: 'e.g. Radiology 2025', 'data-testid': 'key-label' },
  });
  const generate = button(
    'Generate new key',
    () =>
      void attempt('Could not generate a key', async () => {
        const key = await context.api.keysGenerate({ label: label.value.trim(), activate: true });
        label.value = '';
        reportSuccess(
          'New key generated and active',
          `fingerprint ${key.fingerprint}. Export it with a passphrase to keep a backup.`,
        );
        await refreshAll();
      }),
    { class: 'btn btn-primary', testId: 'key-generate' },
  );

  const importPassphrase = el('input', {
    attrs: { type: 'password', autocomplete: 'off', 'data-testid': 'import-passphrase' },
  });
  const importKey = async (
    source: { kind: 'text'; text: string } | { kind: 'path'; path: string },
  ): Promise<void> => {
    const key = await attempt('Key import failed', () =>
      context.api.keysImport({
        source,
        activate: true,
        ...(importPassphrase.value ? { passphrase: importPassphrase.value } : {}),
      }),
    );
    importPassphrase.value = '';
    if (!key) return;
    reportSuccess('Key imported and active', key.fingerprint);
    await refreshAll();
  };
  const importButton = context.info.capabilities.nativeDialogs
    ? button(
        'Import key file…',
        () =>
          void attempt('Could not open the file dialog', () =>
            context.api.hostPickPaths({ purpose: 'key-file' }),
          ).then((picked) => {
            const path = picked?.paths[0];
            if (path) void importKey({ kind: 'path', path });
          }),
      )
    : fileButton(
        'Import key file…',
        (files) => {
          const file = files[0];
          if (!file) return;
          const problem = keyFileProblem(file);
          if (problem) {
            reportError(problem.message, problem.title);
            return;
          }
          void file.text().then((text) => importKey({ kind: 'text', text }));
        },
        { accept: '.json,.key,.clkey,application/json,text/plain', testId: 'key-import-input' },
      );

  render();
  return panel(
    'Keys',
    [
      storage,
      list,
      exportArea,
      rekey.element,
      el('div', { class: 'toolbar' }, field('Label for a new key', label), generate),
      el(
        'div',
        { class: 'toolbar' },
        field('Passphrase of the key file (if protected)', importPassphrase),
        importButton,
      ),
    ],
    {
      testId: 'keys-panel',
      subtitle:
        'Images are encrypted with the active key. The key never leaves the back end: you see its fingerprint only.',
    },
  );
}
