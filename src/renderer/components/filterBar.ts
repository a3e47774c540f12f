import { button, el } from './dom.js';

/** The filters a grid or table of images can offer; each view picks the ones that make sense for it. */
export type FilterField = 'class' | 'prediction' | 'mismatch' | 'confidence' | 'key' | 'origin' | 'text';

export interface FilterState {
  /** '' any class; UNLABELLED_FILTER the unlabelled ones. */
  label: string;
  prediction: string;
  /** Only images whose prediction is not their label. */
  mismatch: boolean;
  /** Top-1 probability bounds, 0–1; null: no bound. */
  confidenceMin: number | null;
  confidenceMax: number | null;
  key: 'any' | 'active' | 'other';
  /** An ItemOrigin key; '' any. */
  origin: string;
  text: string;
}

/** The class filter's value for "no label" (a label can never hold U+0000). */
export const UNLABELLED_FILTER = '\u0000unlabelled';

export const emptyFilter = (): FilterState => ({
  label: '',
  prediction: '',
  mismatch: false,
  confidenceMin: null,
  confidenceMax: null,
  key: 'any',
  origin: '',
  text: '',
});

export function filterActive(state: FilterState, fields: readonly FilterField[]): boolean {
  const on: Record<FilterField, boolean> = {
    class: state.label !== '',
    prediction: state.prediction !== '',
    mismatch: state.mismatch,
    confidence: state.confidenceMin !== null || state.confidenceMax !== null,
    key: state.key !== 'any',
    origin: state.origin !== '',
    text: state.text.trim() !== '',
  };
  return fields.some((field) => on[field]);
}

/** What a client-side filter looks at in one row or tile. */
export interface FilterEntry {
  label: string | null;
  prediction: string | null;
  probability: number | null;
  /** Whether the image is under the active key; null when not known. */
  activeKey: boolean | null;
  origin: { key: string; title: string } | null;
  /** Searched case-insensitively: name, source, id. */
  text: string;
}

export function entryMatches(entry: FilterEntry, state: FilterState): boolean {
  if (
    state.label === UNLABELLED_FILTER
      ? entry.label !== null
      : state.label !== '' && entry.label !== state.label
  ) {
    return false;
  }
  if (state.prediction !== '' && entry.prediction !== state.prediction) return false;
  if (
    state.mismatch &&
    (entry.label === null || entry.prediction === null || entry.label === entry.prediction)
  ) {
    return false;
  }
  if (
    state.confidenceMin !== null &&
    !(entry.probability !== null && entry.probability >= state.confidenceMin)
  ) {
    return false;
  }
  if (
    state.confidenceMax !== null &&
    !(entry.probability !== null && entry.probability <= state.confidenceMax)
  ) {
    return false;
  }
  if (state.key === 'active' && entry.activeKey !== true) return false;
  if (state.key === 'other' && entry.activeKey !== false) return false;
  if (state.origin !== '' && entry.origin?.key !== state.origin) return false;
  const text = state.text.trim().toLowerCase();
  if (text !== '' && !`${entry.text} ${entry.label ?? ''}`.toLowerCase().includes(text)) return false;
  return true;
}

export interface FilterFacets {
  classes: readonly { label: string; count: number }[];
  unlabelled?: number;
  predictions: readonly { label: string; count: number }[];
  origins: readonly { key: string; title: string; count: number }[];
  keys: { active: number; other: number } | null;
}

export function facetsOf(entries: readonly FilterEntry[]): FilterFacets {
  const count = <K>(values: K[]): Map<K, number> => {
    const counts = new Map<K, number>();
    for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    return counts;
  };
  const sorted = (counts: Map<string, number>) =>
    [...counts.entries()]
      .map(([label, n]) => ({ label, count: n }))
      .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  const origins = new Map<string, { key: string; title: string; count: number }>();
  for (const entry of entries) {
    if (!entry.origin) continue;
    const found = origins.get(entry.origin.key) ?? { ...entry.origin, count: 0 };
    found.count++;
    origins.set(entry.origin.key, found);
  }
  const known = entries.filter((entry) => entry.activeKey !== null);
  return {
    classes: sorted(count(entries.flatMap((entry) => (entry.label === null ? [] : [entry.label])))),
    unlabelled: entries.filter((entry) => entry.label === null).length,
    predictions: sorted(
      count(entries.flatMap((entry) => (entry.prediction === null ? [] : [entry.prediction]))),
    ),
    origins: [...origins.values()].sort((a, b) => a.title.localeCompare(b.title)),
    keys:
      known.length === 0
        ? null
        : {
            active: known.filter((e) => e.activeKey).length,
            other: known.filter((e) => !e.activeKey).length,
          },
  };
}

export interface FilterBar {
  element: HTMLElement;
  readonly state: FilterState;
  /** Rebuilds the choices (with their counts) in place, keeping what is chosen and where the focus is. */
  setFacets(facets: FilterFacets): void;
  /** "12 of 72 images shown". */
  setCount(shown: number, total: number): void;
  clear(): void;
}

interface Choice {
  value: string;
  label: string;
}

function setOptions(node: HTMLSelectElement, choices: readonly Choice[], selected: string): void {
  const same =
    node.options.length === choices.length &&
    choices.every(
      (choice, index) =>
        node.options[index]?.value === choice.value && node.options[index]?.text === choice.label,
    );
  if (!same) {
    node.replaceChildren(
      ...choices.map((choice) => el('option', { text: choice.label, attrs: { value: choice.value } })),
    );
  }
  // A chosen value that has gone from the facets stays chosen (with a zero count) rather than silently changing.
  if (!choices.some((choice) => choice.value === selected)) {
    node.appendChild(
      el('option', {
        text: `${selected === UNLABELLED_FILTER ? 'unlabelled' : selected} (0)`,
        attrs: { value: selected },
      }),
    );
  }
  node.value = selected;
}

const TEXT_DELAY_MS = 200;

/**
 * A row of filter controls: class, prediction, prediction ≠ label, confidence range, key, source and text, as
 * chosen by `fields`. Every change calls `onChange` with the whole state; the count line and the choices' counts
 * are updated in place by the owner (setCount, setFacets), so nothing on the page jumps or loses focus.
 */
export function createFilterBar(options: {
  fields: readonly FilterField[];
  onChange: (state: FilterState) => void;
  testId: string;
  /** What is counted: "images", "results". */
  noun?: string;
}): FilterBar {
  const state = emptyFilter();
  const has = (field: FilterField): boolean => options.fields.includes(field);
  const changed = (): void => {
    clearButton.hidden = !filterActive(state, options.fields);
    options.onChange(state);
  };
  const selectNode = (
    testId: string,
    label: string,
    onChange: (value: string) => void,
  ): HTMLSelectElement => {
    const node = el('select', { attrs: { 'data-testid': testId, 'aria-label': label } });
    node.addEventListener('change', () => {
      onChange(node.value);
      changed();
    });
    return node;
  };
  const classSelect = selectNode(`${options.testId}-class`, 'Class', (value) => (state.label = value));
  const predictionSelect = selectNode(
    `${options.testId}-prediction`,
    'Prediction',
    (value) => (state.prediction = value),
  );
  const keySelect = selectNode(
    `${options.testId}-key`,
    'Key',
    (value) => (state.key = value as FilterState['key']),
  );
  const originSelect = selectNode(`${options.testId}-origin`, 'Source', (value) => (state.origin = value));
  const mismatch = el('input', { attrs: { type: 'checkbox', 'data-testid': `${options.testId}-mismatch` } });
  mismatch.addEventListener('change', () => {
    state.mismatch = mismatch.checked;
    changed();
  });
  const percentInput = (
    testId: string,
    label: string,
    apply: (value: number | null) => void,
  ): HTMLInputElement => {
    const node = el('input', {
      class: 'filter-percent',
      attrs: {
        type: 'number',
        min: 0,
        max: 100,
        step: 1,
        placeholder: label,
        'aria-label': `${label} confidence, %`,
        'data-testid': testId,
      },
    });
    node.addEventListener('change', () => {
      const text = node.value.trim();
      const value = text === '' ? null : Math.min(100, Math.max(0, Number(text)));
      if (value !== null && Number.isNaN(value)) return;
      if (value !== null) node.value = String(value);
      apply(value === null ? null : value / 100);
      changed();
    });
    return node;
  };
  const minInput = percentInput(
    `${options.testId}-confidence-min`,
    'min',
    (value) => (state.confidenceMin = value),
  );
  const maxInput = percentInput(
    `${options.testId}-confidence-max`,
    'max',
    (value) => (state.confidenceMax = value),
  );
  const text = el('input', {
    attrs: {
      type: 'search',
      placeholder: 'Name, source or id…',
      'aria-label': 'Search',
      'data-testid': `${options.testId}-text`,
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.text = text.value;
      changed();
    }, TEXT_DELAY_MS);
  });
  const count = el('span', {
    class: 'filter-count muted',
    attrs: { 'data-testid': `${options.testId}-count`, 'aria-live': 'polite' },
  });
  const clearButton = button('Clear filters', () => clear(), {
    class: 'btn btn-small',
    testId: `${options.testId}-clear`,
  });
  clearButton.hidden = true;

  const labelled = (label: string, control: HTMLElement): HTMLElement =>
    el('label', { class: 'filter-field' }, el('span', { class: 'filter-label', text: label }), control);
  const element = el(
    'div',
    {
      class: 'filters-row',
      attrs: { role: 'group', 'aria-label': 'Filters', 'data-testid': options.testId },
    },
    has('class') ? labelled('Class', classSelect) : null,
    has('prediction') ? labelled('Prediction', predictionSelect) : null,
    has('mismatch') ? el('label', { class: 'filter-field checkbox' }, mismatch, 'prediction ≠ label') : null,
    has('confidence')
      ? labelled('Confidence %', el('span', { class: 'filter-range' }, minInput, '–', maxInput))
      : null,
    has('key') ? labelled('Key', keySelect) : null,
    has('origin') ? labelled('Source', originSelect) : null,
    has('text') ? labelled('Search', text) : null,
    count,
    clearButton,
  );

  const clear = (): void => {
    Object.assign(state, emptyFilter());
    for (const node of [classSelect, predictionSelect, originSelect]) node.value = '';
    keySelect.value = 'any';
    mismatch.checked = false;
    minInput.value = '';
    maxInput.value = '';
    text.value = '';
    changed();
  };

  return {
    element,
    state,
    setFacets(facets) {
      const total = facets.classes.reduce((sum, c) => sum + c.count, 0) + (facets.unlabelled ?? 0);
      setOptions(
        classSelect,
        [
          { value: '', label: `All classes (${total})` },
          ...facets.classes.map((c) => ({ value: c.label, label: `${c.label} (${c.count})` })),
          ...(facets.unlabelled
            ? [{ value: UNLABELLED_FILTER, label: `unlabelled (${facets.unlabelled})` }]
            : []),
        ],
        state.label,
      );
      const predicted = facets.predictions.reduce((sum, c) => sum + c.count, 0);
      setOptions(
        predictionSelect,
        [
          { value: '', label: `Any prediction (${predicted} predicted)` },
          ...facets.predictions.map((c) => ({ value: c.label, label: `${c.label} (${c.count})` })),
        ],
        state.prediction,
      );
      setOptions(
        keySelect,
        facets.keys
          ? [
              { value: 'any', label: `Any key (${facets.keys.active + facets.keys.other})` },
              { value: 'active', label: `This key (${facets.keys.active})` },
              { value: 'other', label: `Other keys (${facets.keys.other})` },
            ]
          : [{ value: 'any', label: 'Any key' }],
        state.key,
      );
      setOptions(
        originSelect,
        [
          { value: '', label: `Any source (${facets.origins.length})` },
          ...facets.origins.map((o) => ({ value: o.key, label: `${o.title} (${o.count})` })),
        ],
        state.origin,
      );
    },
    setCount(shown, total) {
      count.textContent = `${shown} of ${total} ${options.noun ?? 'images'} shown`;
    },
    clear,
  };
}

/** The libraryList fields for the bar's prediction, mismatch, confidence, key, source and text filters. */
export function filterRequest(state: FilterState): {
  prediction?: string;
  mismatch?: boolean;
  confidenceMin?: number;
  confidenceMax?: number;
  key?: 'any' | 'active' | 'other';
  origin?: string;
  search?: string;
} {
  return {
    ...(state.prediction !== '' && { prediction: state.prediction }),
    ...(state.mismatch && { mismatch: true }),
    ...(state.confidenceMin !== null && { confidenceMin: state.confidenceMin }),
    ...(state.confidenceMax !== null && { confidenceMax: state.confidenceMax }),
    ...(state.key !== 'any' && { key: state.key }),
    ...(state.origin !== '' && { origin: state.origin }),
    ...(state.text.trim() !== '' && { search: state.text.trim() }),
  };
}
