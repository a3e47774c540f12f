import type { KeyInfo, OperationResponse } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { openDialog } from '../../components/dialog.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import { attempt, reportError, reportInfo, reportSuccess } from '../../components/messages.js';
import { progressBar } from '../../components/progressBar.js';
import {
  imagesByKey as imagesOf,
  keyName as keyNameOf,
  plural,
  rekeyOutcome,
  type RekeyState,
} from './rekey-state.js';

type RekeyStatus = OperationResponse<'workspaceRekeyStatus'>;

const POLL_MS = 300;

const keyName = (context: AppContext, fingerprint: string): string =>
  keyNameOf(context.store.keys, fingerprint);
const imagesByKey = (context: AppContext, target: string) =>
  imagesOf(context.store.keys, context.store.workspace, target);

export interface RekeyArea {
  element: HTMLElement;
  /** Whether key `key` has images elsewhere that it could take over. */
  canOffer(key: KeyInfo): boolean;
  /** Opens the re-encryption form for moving images onto `key`. */
  offer(key: KeyInfo): void;
  /** True while a re-encryption runs (the rows disable their buttons). */
  readonly running: boolean;
}

/**
 * Settings → Keys: "Re-encrypt images to this key…" — key rotation for the whole workspace, with the number of
 * images, a confirmation, progress with Cancel, and (by default) the new key made active afterwards.
 */
export function createRekeyArea(
  context: AppContext,
  onExport: (key: KeyInfo) => void,
  onChange: () => void,
): RekeyArea {
  const element = el('div', { attrs: { 'data-testid': 'rekey-area' } });
  const form = el('div');
  const progressArea = el('div');
  const notice = el('div');
  element.append(notice, form, progressArea);
  let running = false;

  const refreshAll = (): Promise<void> => context.store.refresh('keys', 'models', 'workspace');

  const finished = async (state: RekeyState): Promise<void> => {
    running = false;
    replaceChildren(progressArea);
    onChange();
    await refreshAll();
    await showInterrupted();
    const outcome = rekeyOutcome(state, keyName(context, state.to));
    if (outcome.tone === 'error') reportError(outcome.detail ?? outcome.title, outcome.title);
    else if (outcome.tone === 'info') reportInfo(outcome.title, outcome.detail);
    else reportSuccess(outcome.title, outcome.detail);
  };

  /** Shows the progress of a running re-encryption until it ends. */
  const follow = (state: RekeyState): void => {
    running = true;
    onChange();
    const bar = progressBar(`Re-encrypting images to key ${state.to}`, () => {
      void attempt('Could not cancel the re-encryption', () => context.api.workspaceRekeyCancel());
    });
    replaceChildren(progressArea, bar.element);
    const tick = async (): Promise<void> => {
      let status: RekeyStatus;
      try {
        status = await context.api.workspaceRekeyStatus();
      } catch (error) {
        reportError(error, 'Could not follow the re-encryption');
        setTimeout(() => void tick(), POLL_MS * 5);
        return;
      }
      const current = status.current;
      if (!current) return;
      bar.update(current.progress.done, current.progress.total, current.progress.message);
      if (current.status === 'running') setTimeout(() => void tick(), POLL_MS);
      else {
        bar.settle(current.status);
        await finished(current);
      }
    };
    void tick();
  };

  const start = async (from: string, to: string, activate: boolean): Promise<void> => {
    const state = await attempt('Could not start the re-encryption', () =>
      context.api.workspaceRekey({ fromFingerprint: from, toFingerprint: to, activate }),
    );
    if (!state) return;
    replaceChildren(form);
    replaceChildren(notice);
    follow(state);
  };

  const confirmStart = (from: string, to: KeyInfo, count: number, activate: boolean): void => {
    const dialog = openDialog(
      'Re-encrypt images?',
      el('p', {
        text: `${plural(count, 'image')} will be re-encrypted from key ${keyName(context, from)} to key ${keyName(context, to.fingerprint)}.`,
      }),
      el('p', {
        class: to.isDemo ? 'demo-warning' : 'warning-note',
        text: to.isDemo
          ? 'Afterwards anyone can decrypt them: the demo key is public.'
          : `Afterwards only key ${to.fingerprint} opens them. Make sure you have an exported backup of it.`,
      }),
      el(
        'div',
        { class: 'toolbar' },
        button(
          `Re-encrypt ${plural(count, 'image')}`,
          () => {
            dialog.close();
            void start(from, to.fingerprint, activate);
          },
          { class: 'btn btn-primary', testId: 'rekey-confirm' },
        ),
        button('Go back', () => dialog.close()),
      ),
    );
  };

  const offer = (key: KeyInfo): void => {
    const { movable, unknown } = imagesByKey(context, key.fingerprint);
    if (movable.length === 0) {
      reportInfo('Nothing to re-encrypt', `No workspace image is under another key that this app holds.`);
      return;
    }
    let from = movable[0]!.fingerprint;
    const countOf = (fingerprint: string): number =>
      movable.find((entry) => entry.fingerprint === fingerprint)?.count ?? 0;
    const summary = el('p');
    const runButton = button('', () => confirmStart(from, key, countOf(from), activate.checked), {
      class: 'btn btn-primary',
      testId: 'rekey-run',
    });
    const describe = (): void => {
      const count = countOf(from);
      summary.textContent = `${plural(count, 'image')} in this workspace ${count === 1 ? 'is' : 'are'} encrypted with key ${keyName(context, from)}. They will be decrypted and encrypted again with key ${keyName(context, key.fingerprint)}; the images themselves do not change. If the app stops part-way, nothing is lost: start again and it continues.`;
      runButton.textContent = `Re-encrypt ${plural(count, 'image')}…`;
    };
    const fromSelect = select(
      movable.map((entry) => ({
        value: entry.fingerprint,
        label: `${keyName(context, entry.fingerprint)} — ${plural(entry.count, 'image')}`,
      })),
      from,
      (value) => {
        from = value;
        describe();
      },
      'rekey-from',
    );
    const activate = el('input', {
      attrs: { type: 'checkbox', checked: true, 'data-testid': 'rekey-activate' },
    });
    describe();
    const unknownCount = unknown.reduce((sum, entry) => sum + entry.count, 0);
    replaceChildren(
      form,
      el(
        'div',
        { class: 'panel-inset', attrs: { 'data-testid': 'rekey-form' } },
        el('p', {
          class: 'warning-note',
          text: `Re-encrypt workspace images to key ${keyName(context, key.fingerprint)}`,
        }),
        field('Images now under key', fromSelect),
        summary,
        key.isDemo
          ? el('p', {
              class: 'demo-warning',
              text: 'This is the PUBLIC demo key: anyone can decrypt images encrypted with it. Never use it for patient images.',
            })
          : el(
              'p',
              { class: 'inline-note' },
              `Without key ${key.fingerprint} these images can no longer be opened. Keep an exported backup of it. `,
              button('Export this key…', () => onExport(key), { class: 'btn btn-small' }),
            ),
        unknownCount > 0
          ? el('p', {
              class: 'muted',
              text: `${plural(unknownCount, 'image')} ${unknownCount === 1 ? 'is' : 'are'} under keys this app does not hold (${unknown.map((entry) => entry.fingerprint).join(', ')}); ${unknownCount === 1 ? 'it stays' : 'they stay'} as ${unknownCount === 1 ? 'it is' : 'they are'}.`,
            })
          : null,
        el('label', { class: 'checkbox' }, activate, `Use key ${key.fingerprint} afterwards (recommended)`),
        el(
          'div',
          { class: 'toolbar' },
          runButton,
          button('Cancel', () => replaceChildren(form)),
        ),
      ),
    );
    runButton.focus();
  };

  /** A re-encryption that stopped part-way (app closed, crash, cancel): offer to continue it. */
  const showInterrupted = async (): Promise<void> => {
    let status: RekeyStatus;
    try {
      status = await context.api.workspaceRekeyStatus();
    } catch {
      return; // The panel still works; the offer appears on the next refresh.
    }
    if (status.current?.status === 'running') {
      if (!running) follow(status.current);
      return;
    }
    const interrupted = status.interrupted;
    if (!interrupted || interrupted.remaining === 0) {
      replaceChildren(notice);
      return;
    }
    replaceChildren(
      notice,
      el(
        'div',
        { class: 'inline-note', attrs: { 'data-testid': 'rekey-interrupted' } },
        el('p', {
          text: `A re-encryption from key ${keyName(context, interrupted.from)} to key ${keyName(context, interrupted.to)} stopped before it finished: ${plural(interrupted.remaining, 'image')} still ${interrupted.remaining === 1 ? 'uses' : 'use'} the old key.`,
        }),
        button('Continue re-encryption', () => void start(interrupted.from, interrupted.to, true), {
          class: 'btn btn-primary btn-small',
          testId: 'rekey-continue',
        }),
      ),
    );
  };
  context.store.on('workspace', () => void (running ? undefined : showInterrupted()));
  void showInterrupted();

  return {
    element,
    canOffer: (key) => imagesByKey(context, key.fingerprint).movable.length > 0,
    offer,
    get running() {
      return running;
    },
  };
}
