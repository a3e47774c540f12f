import type { PacsConnection } from '../../../shared/index.js';
import type { AppContext } from '../../app/context.js';
import { button, el, field, replaceChildren, select } from '../../components/dom.js';
import { definitionList } from '../../components/figures.js';
import { attempt, reportError, reportSuccess } from '../../components/messages.js';
import { panel } from '../../components/panel.js';

type AuthKind = PacsConnection['auth'];

/**
 * Settings → PACS connection: the DICOMweb address and the credentials. A typed password or token goes to the back
 * end once and is sealed there like the keys; this panel only ever learns that credentials are saved.
 */
export function createPacsPanel(context: AppContext): HTMLElement {
  const status = el('div', { attrs: { 'data-testid': 'pacs-status' } });
  const testResult = el('p', {
    class: 'muted',
    attrs: { 'data-testid': 'pacs-test-result', role: 'status' },
  });
  const url = el('input', {
    attrs: {
      type: 'text',
      inputmode: 'url',
      size: 44,
      placeholder: 'https://pacs.example.org/dicom-web',
      'data-testid': 'pacs-url',
      autocomplete: 'off',
      spellcheck: 'false',
    },
  });
  const user = el('input', { attrs: { type: 'text', autocomplete: 'off', 'data-testid': 'pacs-user' } });
  // type=password: not shown on screen or in screenshots; autocomplete off so the browser keeps no copy.
  const password = el('input', {
    attrs: { type: 'password', autocomplete: 'new-password', 'data-testid': 'pacs-password' },
  });
  const token = el('input', {
    attrs: { type: 'password', autocomplete: 'off', 'data-testid': 'pacs-token' },
  });
  let kind: AuthKind = 'none';

  const basicFields = el(
    'div',
    { class: 'toolbar' },
    field('User', user),
    field('Password', password, 'Leave empty to keep the saved password.'),
  );
  const bearerFields = el(
    'div',
    { class: 'toolbar' },
    field('Bearer token', token, 'Leave empty to keep the saved token.'),
  );
  const authSelect = select<AuthKind>(
    [
      { value: 'none', label: 'None' },
      { value: 'basic', label: 'User name and password (basic)' },
      { value: 'bearer', label: 'Bearer token' },
    ],
    kind,
    (value) => {
      kind = value;
      showAuthFields();
    },
    'pacs-auth',
  );
  // Swapped rather than hidden: `.toolbar` sets display, which would override the hidden attribute.
  const authArea = el('div');
  const showAuthFields = (): void => {
    replaceChildren(authArea, kind === 'basic' ? basicFields : kind === 'bearer' ? bearerFields : null);
  };

  const render = (connection: PacsConnection): void => {
    url.value = connection.baseUrl ?? '';
    kind = connection.auth;
    authSelect.value = kind;
    user.value = connection.user ?? '';
    password.value = '';
    token.value = '';
    password.placeholder = connection.auth === 'basic' && connection.credentialsSaved ? 'saved' : '';
    token.placeholder = connection.auth === 'bearer' && connection.credentialsSaved ? 'saved' : '';
    showAuthFields();
    forget.disabled = !connection.configured;
    testButton.disabled = !connection.configured;
    replaceChildren(
      status,
      definitionList([
        ['Server', connection.baseUrl ?? 'not set'],
        [
          'Credentials',
          connection.credentialsSaved
            ? `${connection.auth === 'basic' ? `password of ${connection.user ?? '?'}` : 'bearer token'} saved, ${connection.storage}`
            : connection.configured
              ? 'none'
              : '—',
        ],
      ]),
      ...connection.warnings.map((warning) =>
        el('p', { class: 'inline-note', text: warning, attrs: { 'data-testid': 'pacs-warning' } }),
      ),
    );
  };

  const save = async (): Promise<void> => {
    const baseUrl = url.value.trim();
    if (!baseUrl) {
      reportError('Type the DICOMweb address of the PACS first.', 'No PACS address');
      return;
    }
    const auth =
      kind === 'basic'
        ? { kind, user: user.value.trim(), ...(password.value ? { password: password.value } : {}) }
        : kind === 'bearer'
          ? { kind, ...(token.value.trim() ? { token: token.value.trim() } : {}) }
          : { kind };
    if (auth.kind === 'basic' && !auth.user) {
      reportError('Type the user name, or choose no authentication.', 'No PACS user');
      return;
    }
    const saved = await attempt('Could not save the PACS connection', () =>
      context.api.pacsConfigure({ baseUrl, auth }),
    );
    if (!saved) return;
    render(saved);
    testResult.textContent = '';
    // The Library's PACS panel names the server it searches.
    void context.store.refresh('settings');
    reportSuccess(
      'PACS connection saved',
      saved.credentialsSaved ? 'Credentials saved; they are never shown again.' : (saved.baseUrl ?? ''),
    );
  };

  const test = async (): Promise<void> => {
    testResult.textContent = 'Testing…';
    try {
      const result = await context.api.pacsTest();
      testResult.textContent = `Connected: ${result.message}.`;
      testResult.className = 'muted';
    } catch (error) {
      testResult.textContent = '';
      reportError(error, 'The PACS connection test failed');
    }
  };

  const forget = button(
    'Forget',
    () =>
      void attempt('Could not remove the PACS connection', () =>
        context.api.pacsConfigure({ baseUrl: null }),
      ).then((cleared) => {
        if (!cleared) return;
        render(cleared);
        testResult.textContent = '';
        void context.store.refresh('settings');
        reportSuccess('PACS connection removed', 'The saved credentials were deleted.');
      }),
    { class: 'btn', testId: 'pacs-forget' },
  );
  const testButton = button('Test connection', () => void test(), { class: 'btn', testId: 'pacs-test' });

  const form = el(
    'form',
    { class: 'stack', attrs: { 'data-testid': 'pacs-form' } },
    el(
      'div',
      { class: 'toolbar' },
      field(
        'DICOMweb address',
        url,
        'Orthanc: http://host:8042/dicom-web · dcm4chee: …/dcm4chee-arc/aets/AET/rs',
      ),
      field('Authentication', authSelect),
    ),
    authArea,
    el(
      'div',
      { class: 'toolbar' },
      el('button', {
        class: 'btn btn-primary',
        text: 'Save',
        attrs: { type: 'submit', 'data-testid': 'pacs-save' },
      }),
      testButton,
      forget,
    ),
    testResult,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });
  showAuthFields();

  void context.api
    .pacsConnection()
    .then(render)
    .catch((error: unknown) => reportError(error, 'Could not read the PACS connection'));

  return panel('PACS connection', [status, form], {
    testId: 'pacs-panel',
    subtitle:
      'Import studies from a hospital PACS over DICOMweb (Library → Import from PACS). The password or token is sealed like the keys and never shown again.',
  });
}
