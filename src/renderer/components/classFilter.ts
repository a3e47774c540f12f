import { el, select } from './dom.js';

export interface ClassCount {
  label: string;
  count: number;
}

/**
 * The "Class" field over the workspace's classes, with their counts; the empty value means all classes.
 * `extra` options follow the classes (the library adds an "Unlabelled" choice the picker does not need).
 */
export function classFilterField(
  classes: readonly ClassCount[],
  selected: string,
  onChange: (value: string) => void,
  options: { extra?: readonly { value: string; label: string }[]; testId?: string } = {},
): HTMLElement {
  return el(
    'label',
    { class: 'field' },
    el('span', { class: 'field-label', text: 'Class' }),
    select(
      [
        { value: '', label: 'All classes' },
        ...classes.map((c) => ({ value: c.label, label: `${c.label} (${c.count})` })),
        ...(options.extra ?? []),
      ],
      selected,
      onChange,
      options.testId,
    ),
  );
}
