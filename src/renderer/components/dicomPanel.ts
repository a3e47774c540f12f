import type { DicomDetails, DicomWindowValues, LibraryItem } from '../../shared/index.js';
import type { AppContext } from '../app/context.js';
import { button, el, replaceChildren } from './dom.js';
import { definitionList } from './figures.js';
import { attempt, describeError, reportSuccess } from './messages.js';
import {
  dicomDate,
  draggedWindow,
  dragStep,
  formatNumber as number,
  orDash,
  windowText,
} from './dicomPanel-state.js';

/**
 * The "DICOM" section of the item dialog. For the key holder: the header fields the back end decrypted from the
 * item's sidecar, the file's window presets as buttons, the frame rendered by the back end with the chosen window
 * (drag on it: left/right changes the width, up/down the centre; the number fields do the same), and "Apply to
 * model input". Without the key it says that the details exist and stay encrypted. Keys and modality values never
 * reach the renderer: every picture is a PNG the back end rendered.
 */
export function dicomSection(
  context: AppContext,
  item: LibraryItem,
  onApplied: (item: LibraryItem) => void,
): HTMLElement {
  const body = el(
    'div',
    { class: 'dicom-body' },
    el('p', { class: 'muted', text: 'Reading the DICOM details…' }),
  );
  const section = el(
    'section',
    {
      class: 'dicom-section',
      attrs: { 'data-testid': 'dicom-section', 'aria-label': 'DICOM', hidden: true },
    },
    el('h3', { text: 'DICOM' }),
    body,
  );
  void context.api.libraryDicom({ id: item.id }).then(
    (answer) => {
      if (!answer.hasDetails) return; // not a DICOM item: the section stays hidden
      section.hidden = false;
      if (answer.details) {
        replaceChildren(body, ...keyHolderView(context, item, answer.details, onApplied));
        return;
      }
      replaceChildren(
        body,
        el('p', {
          class: answer.damage ? 'inline-note warning-note' : 'inline-note',
          attrs: { 'data-testid': 'dicom-locked', role: answer.damage ? 'alert' : 'note' },
          text: answer.damage
            ? `The encrypted DICOM details of this image cannot be read: ${answer.damage}`
            : `This image has DICOM details (patient, study, series, window presets); they are stored encrypted with key ${item.keyFingerprint}. Select that key in Settings → Keys to see them.`,
        }),
      );
    },
    (error: unknown) => {
      section.hidden = false;
      replaceChildren(
        body,
        el('p', { class: 'inline-note', attrs: { role: 'alert' }, text: describeError(error) }),
      );
    },
  );
  return section;
}

function keyHolderView(
  context: AppContext,
  item: LibraryItem,
  details: DicomDetails,
  onApplied: (item: LibraryItem) => void,
): HTMLElement[] {
  let window: DicomWindowValues = {
    center: details.currentWindow.center,
    width: details.currentWindow.width,
  };
  let applied: DicomWindowValues = { ...window };

  const picture = el('img', {
    class: 'dicom-preview',
    attrs: {
      alt: 'DICOM frame, decrypted (key holder only): drag to change the window',
      'data-testid': 'dicom-preview',
      draggable: 'false',
    },
  });
  const readout = el('output', { class: 'dicom-readout', attrs: { 'data-testid': 'dicom-window' } });
  const centerInput = el('input', {
    attrs: { type: 'number', step: 'any', 'aria-label': 'Window centre', 'data-testid': 'dicom-center' },
  });
  const widthInput = el('input', {
    attrs: {
      type: 'number',
      step: 'any',
      min: 0,
      'aria-label': 'Window width',
      'data-testid': 'dicom-width',
    },
  });
  const previewError = el('p', { class: 'inline-note', attrs: { role: 'alert', hidden: true } });
  const applyButton = button('Apply to model input', () => void apply(), {
    class: 'btn btn-primary',
    testId: 'dicom-apply',
    title: 'Re-derive the 8-bit model input with this window and encrypt it again',
  });

  // One preview request at a time: a drag asks for many; only the latest window is rendered next.
  let inFlight = false;
  let wanted = false;
  const render = async (): Promise<void> => {
    if (inFlight) {
      wanted = true;
      return;
    }
    inFlight = true;
    try {
      do {
        wanted = false;
        const asked = { ...window };
        try {
          const preview = await context.api.libraryDicomPreview({ id: item.id, window: asked });
          picture.src = preview.png;
          picture.dataset.window = `${asked.center},${asked.width}`;
          previewError.hidden = true;
        } catch (error) {
          previewError.textContent = `Could not render the window: ${describeError(error)}`;
          previewError.hidden = false;
        }
      } while (wanted);
    } finally {
      inFlight = false;
    }
  };
  const setWindow = (next: DicomWindowValues, fromInputs = false): void => {
    window = { center: next.center, width: Math.max(next.width, 1e-6) };
    readout.textContent = windowText(window);
    if (!fromInputs) {
      centerInput.value = number(window.center);
      widthInput.value = number(window.width);
    }
    const changed = window.center !== applied.center || window.width !== applied.width;
    applyButton.disabled = !changed;
    void render();
  };

  const onInput = (): void => {
    const center = Number(centerInput.value);
    const width = Number(widthInput.value);
    if (centerInput.value !== '' && widthInput.value !== '' && Number.isFinite(center) && width > 0) {
      setWindow({ center, width }, true);
    }
  };
  centerInput.addEventListener('change', onInput);
  widthInput.addEventListener('change', onInput);

  // Drag: horizontal → width, vertical → centre (down makes the image brighter, as on a PACS workstation).
  const step = dragStep(details.valueRange);
  let drag: { x: number; y: number; start: DicomWindowValues } | null = null;
  picture.addEventListener('pointerdown', (event) => {
    drag = { x: event.clientX, y: event.clientY, start: { ...window } };
    picture.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  picture.addEventListener('pointermove', (event) => {
    if (!drag) return;
    setWindow(draggedWindow(drag.start, event.clientX - drag.x, event.clientY - drag.y, step));
  });
  const endDrag = (): void => {
    drag = null;
  };
  picture.addEventListener('pointerup', endDrag);
  picture.addEventListener('pointercancel', endDrag);

  const apply = async (): Promise<void> => {
    applyButton.disabled = true;
    const chosen = { ...window };
    const result = await attempt('Could not apply the window', () =>
      context.api.libraryDicomApply({ id: item.id, window: chosen }),
    );
    if (!result) {
      applyButton.disabled = false;
      return;
    }
    applied = chosen;
    const stale = [
      result.indexesUpdated.length > 0 ? 'it will be embedded again at the next index refresh' : null,
      result.evaluationStale ? 'the stored evaluation now marks it as changed' : null,
    ].filter((part): part is string => part !== null);
    reportSuccess(
      'Model input re-derived',
      `${windowText(chosen)}, ${item.size}×${item.size}, encrypted again; the prediction was cleared${stale.length > 0 ? `; ${stale.join('; ')}` : ''}.`,
    );
    onApplied(result.item);
  };

  const presets = el(
    'div',
    {
      class: 'toolbar dicom-presets',
      attrs: { 'data-testid': 'dicom-presets', role: 'group', 'aria-label': 'Window presets' },
    },
    ...details.windowPresets.map((preset, index) =>
      button(
        preset.explanation ? `${preset.explanation} (${windowText(preset)})` : windowText(preset),
        () => setWindow(preset),
        { class: 'btn btn-small', testId: `dicom-preset-${index}` },
      ),
    ),
    button('Import window', () => setWindow(details.importWindow), {
      class: 'btn btn-small',
      testId: 'dicom-preset-import',
      title: `The window of the import (${details.importWindow.source})`,
    }),
  );

  const facts = definitionList([
    ['Patient', orDash(details.patientName.replace(/\^/g, ' '))],
    ['Patient ID', orDash(details.patientId)],
    ['Study date', dicomDate(details.studyDate)],
    ['Study', orDash(details.studyDescription)],
    ['Series', orDash(details.seriesDescription)],
    ['Modality', orDash(details.modality)],
    ['Body part', orDash(details.bodyPart)],
    [
      'Rows × columns',
      `${details.rows} × ${details.columns}${details.frames > 1 ? ` (${details.frames} frames)` : ''}`,
    ],
    ['Bits stored', `${details.bitsStored} (${details.photometric})`],
    ['Values', `${number(details.valueRange.min)} … ${number(details.valueRange.max)}`],
    ['File', details.fileName],
  ]);
  facts.dataset.testid = 'dicom-fields';

  setWindow(window);
  applyButton.disabled = true;
  return [
    el(
      'p',
      { class: 'muted' },
      'Decrypted in the back end for the key holder only; stored encrypted with the image (never in its clear record).',
    ),
    el(
      'div',
      { class: 'dicom-layout' },
      el(
        'figure',
        { class: 'dicom-figure' },
        picture,
        el('figcaption', {}, 'Drag: ↔ width, ↕ centre · ', readout),
      ),
      facts,
    ),
    presets,
    el(
      'div',
      { class: 'toolbar' },
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Centre' }), centerInput),
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: 'Width' }), widthInput),
      applyButton,
    ),
    previewError,
  ];
}
