/** Attributes and properties accepted by {@link el}. `on*` keys become event listeners. */
export type ElementProps = {
  class?: string | undefined;
  text?: string | undefined;
  dataset?: Record<string, string>;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
};

export type Child = Node | string | null | undefined | false;

/**
 * Builds a DOM element. The renderer has no framework, so this keeps view code declarative while
 * staying CSP-safe: text goes through textContent and styling through classes, never inline markup.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.dataset) Object.assign(node.dataset, props.dataset);
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    node.addEventListener(type, listener as EventListener);
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children of `parent`: the way a view swaps one result for the next. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/**
 * Runs `update`, which may redraw much of the page, and puts every scrolled ancestor of `element` back where it
 * was: redrawing a view in place (a toggle, a filter) must not jump the reader back to the top.
 */
export function keepScrollPosition(element: Element, update: () => void): void {
  const scrolled: [Element, number][] = [];
  for (let node = element.parentElement; node; node = node.parentElement) {
    if (node.scrollTop > 0) scrolled.push([node, node.scrollTop]);
  }
  update();
  for (const [node, top] of scrolled) node.scrollTop = top;
}

export function button(
  label: string,
  onClick: (event: MouseEvent) => void,
  options: { class?: string; title?: string; disabled?: boolean; testId?: string } = {},
): HTMLButtonElement {
  return el('button', {
    class: options.class ?? 'btn',
    text: label,
    attrs: {
      type: 'button',
      title: options.title,
      disabled: options.disabled,
      'data-testid': options.testId,
    },
    on: { click: onClick },
  });
}

/** A labelled form control; the label wraps the control so clicking the text focuses it. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return el(
    'label',
    { class: 'field' },
    el('span', { class: 'field-label', text: label }),
    control,
    hint ? el('span', { class: 'field-hint', text: hint }) : null,
  );
}

export function select<T extends string>(
  options: readonly { value: T; label: string }[],
  selected: T | undefined,
  onChange: (value: T) => void,
  testId?: string,
): HTMLSelectElement {
  const node = el('select', { attrs: { 'data-testid': testId } });
  for (const option of options) {
    const item = el('option', { text: option.label, attrs: { value: option.value } });
    if (option.value === selected) item.selected = true;
    node.appendChild(item);
  }
  node.addEventListener('change', () => onChange(node.value as T));
  return node;
}

export function formatPercent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

export function formatNumber(value: number, digits = 4): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}
