import type { AppContext, View } from '../app/context.js';
import { setTheme, storedTheme, type ThemeChoice } from '../app/theme.js';
import { button, el, field, replaceChildren, select } from '../components/dom.js';
import { definitionList } from '../components/figures.js';
import { attempt, reportError, reportSuccess } from '../components/messages.js';
import { panel } from '../components/panel.js';
import { viewHeader } from '../components/viewHeader.js';
import { createKeysPanel } from './settings/keys.js';
import { createModelsPanel } from './settings/models.js';
import { createRetrievalPanel } from './settings/retrieval.js';
import { createPacsPanel } from './settings/pacs.js';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function createExecutionPanel(context: AppContext): HTMLElement {
  const body = el('div');
  const render = (): void => {
    const settings = context.store.settings;
    if (!settings) return;
    const provider = settings.executionProvider;
    let override = provider.override;
    const threads = el('input', {
      attrs: {
        type: 'number',
        min: 0,
        max: settings.maxThreads,
        value: settings.threads,
        'data-testid': 'threads',
      },
    });
    const save = async (): Promise<void> => {
      const count = Math.floor(Number(threads.value));
      if (!Number.isFinite(count) || count < 0 || count > settings.maxThreads) {
        reportError(`Choose 0 (automatic) to ${settings.maxThreads}.`, 'Invalid thread count');
        return;
      }
      const updated = await attempt('Could not save the settings', () =>
        context.api.settingsUpdate({ executionProvider: override, threads: count }),
      );
      if (updated) {
        reportSuccess(
          'Settings saved',
          `provider ${updated.executionProvider.override}, threads ${updated.threads || 'automatic'}`,
        );
        await context.store.refresh('settings');
      }
    };
    replaceChildren(
      body,
      definitionList([
        ['Available on this machine', provider.available.join(', ')],
        ['Last inference ran on', provider.lastUsed ?? 'nothing has run yet'],
      ]),
      provider.fallbackNote ? el('p', { class: 'inline-note', text: provider.fallbackNote }) : null,
      el(
        'div',
        { class: 'toolbar' },
        field(
          'Execution provider',
          select(
            [
              { value: 'auto', label: 'Automatic (best available)' },
              ...provider.available.map((name) => ({ value: name, label: name })),
            ],
            override,
            (value) => {
              override = value;
            },
            'provider-select',
          ),
          'Automatic picks CUDA or DirectML when present and falls back to CPU.',
        ),
        field('Inference threads', threads, `0 = automatic; this machine has ${settings.maxThreads}.`),
        button('Save', () => void save(), { class: 'btn btn-primary', testId: 'settings-save' }),
      ),
    );
  };
  context.store.on('settings', render);
  render();
  return panel('Execution', [body], { testId: 'execution-panel' });
}

function createWorkspacePanel(context: AppContext): HTMLElement {
  const body = el('div');
  const pathInput = el('input', {
    attrs: { type: 'text', placeholder: '/path/to/workspace', 'data-testid': 'workspace-path' },
  });
  const open = async (path: string): Promise<void> => {
    const info = await attempt('Could not open the workspace', () =>
      context.api.workspaceChoose({ path, create: true }),
    );
    if (!info) return;
    reportSuccess('Workspace opened', `${info.path} · ${info.itemCount} images`);
    await context.store.refresh('workspace', 'settings', 'keys');
  };
  const chooser = context.info.capabilities.nativeDialogs
    ? button(
        'Choose another folder…',
        () =>
          void attempt('Could not open the folder dialog', () =>
            context.api.hostPickPaths({ purpose: 'workspace' }),
          ).then((picked) => {
            const path = picked?.paths[0];
            if (path) void open(path);
          }),
      )
    : !context.info.capabilities.pathImport
      ? el('p', {
          class: 'muted',
          attrs: { 'data-testid': 'paths-off' },
          text: 'Opening another workspace folder is off in the browser host: the page may not name files or folders on this machine. Restart the host with --workspace <folder>, or with --allow-paths to open one here.',
        })
      : el(
          'div',
          { class: 'toolbar' },
          field('Open or create a workspace folder on the server', pathInput),
          button('Open', () => {
            const path = pathInput.value.trim();
            if (path) void open(path);
            else reportError('Type the folder path first.', 'No workspace path');
          }),
        );
  const render = (): void => {
    const workspace = context.store.workspace;
    if (!workspace) return;
    replaceChildren(
      body,
      definitionList([
        ['Location', `${workspace.path}${workspace.isDefault ? ' (default)' : ''}`],
        [
          'Images',
          `${workspace.itemCount} (${workspace.classes.map((c) => `${c.label} ${c.count}`).join(', ') || 'no labels'})`,
        ],
        ['By key', workspace.keys.map((k) => `${k.fingerprint}: ${k.count}`).join(', ') || '—'],
        ['On disk', formatBytes(workspace.diskBytes)],
        ['Dataset folder', context.store.settings?.dataDir ?? 'not set'],
      ]),
    );
  };
  context.store.on('workspace', render);
  context.store.on('settings', render);
  render();
  return panel('Workspace', [body, chooser], {
    testId: 'workspace-panel',
    subtitle: 'Encrypted images, labels, the embeddings index and evaluation results live here.',
  });
}

function createAppearancePanel(): HTMLElement {
  return panel('Appearance', [
    field(
      'Theme',
      select<ThemeChoice>(
        [
          { value: 'system', label: 'Follow the system' },
          { value: 'light', label: 'Light' },
          { value: 'dark', label: 'Dark (reading room)' },
        ],
        storedTheme(),
        (value) => setTheme(value),
        'theme-select',
      ),
    ),
  ]);
}

export function createSettingsView(context: AppContext): View {
  const element = el(
    'section',
    { attrs: { 'aria-label': 'Settings' } },
    viewHeader(
      'Settings',
      `Keys, models, the device inference runs on, and where the workspace lives. CipherLens ${context.info.version} (${context.info.host} host).`,
    ),
    createKeysPanel(context),
    createModelsPanel(context),
    el('div', { class: 'columns' }, createExecutionPanel(context), createWorkspacePanel(context)),
    createRetrievalPanel(context),
    createPacsPanel(context),
    createAppearancePanel(),
  );
  return { element, show: () => void context.store.refresh('keys', 'models', 'settings', 'workspace') };
}
