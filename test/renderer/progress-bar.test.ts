// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIRM_MS, progressBar } from '../../src/renderer/components/progressBar.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('progress bar', () => {
  it('asks before cancelling: a first click asks, "Keep going" takes it back, a second click cancels once', () => {
    const onCancel = vi.fn();
    const bar = progressBar('Batch classification', onCancel);
    const cancel = bar.element.querySelector<HTMLButtonElement>('[data-testid="job-cancel"]')!;
    const keep = bar.element.querySelector<HTMLButtonElement>('[data-testid="job-cancel-keep"]')!;
    expect(keep.hidden).toBe(true);

    cancel.click();
    expect(onCancel).not.toHaveBeenCalled();
    expect(cancel.textContent).toBe('Stop now?');
    expect(keep.hidden).toBe(false);
    keep.click();
    expect(cancel.textContent).toBe('Cancel');
    expect(keep.hidden).toBe(true);

    cancel.click();
    cancel.click();
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(cancel.disabled).toBe(true);
    expect(cancel.textContent).toBe('Cancelling…');
    cancel.click();
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('lets the question lapse, and drops the buttons once the work settles', () => {
    vi.useFakeTimers();
    const onCancel = vi.fn();
    const bar = progressBar('Importing files', onCancel);
    const cancel = bar.element.querySelector<HTMLButtonElement>('[data-testid="job-cancel"]')!;
    cancel.click();
    vi.advanceTimersByTime(CONFIRM_MS + 1);
    expect(cancel.textContent).toBe('Cancel');
    cancel.click();
    expect(onCancel).not.toHaveBeenCalled();
    bar.update(3, 10, 'working');
    expect(bar.element.querySelector('.job-count')?.textContent).toBe('3 / 10');
    bar.settle('done');
    expect(bar.element.querySelector('[data-testid="job-cancel"]')).toBeNull();
    expect(bar.element.querySelector('[data-testid="job-cancel-keep"]')).toBeNull();
    expect(bar.element.dataset['status']).toBe('done');
  });
});
