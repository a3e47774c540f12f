// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import {
  attempt,
  createMessageArea,
  reportError,
  reportInfo,
} from '../../src/renderer/components/messages.js';

let area: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '';
  area = createMessageArea();
  document.body.append(area);
});

const shown = (): string[] =>
  [...area.querySelectorAll<HTMLElement>('.message')].map(
    (m) => m.textContent?.replace('×', '').trim() ?? '',
  );

describe('messages', () => {
  it('collapses the same message into one with a count', () => {
    reportError(new Error('the disk is full'), 'Import failed');
    reportError(new Error('the disk is full'), 'Import failed');
    reportError(new Error('the disk is full'), 'Import failed');
    expect(area.querySelectorAll('.message')).toHaveLength(1);
    expect(area.querySelector('.message-count')?.textContent).toBe('×3');
    reportError(new Error('another reason'), 'Import failed');
    expect(area.querySelectorAll('.message')).toHaveLength(2);
  });

  it('an error goes away when the action that caused it later succeeds', async () => {
    await attempt('Save settings', () => Promise.reject(new Error('offline')));
    await attempt('Other action', () => Promise.reject(new Error('broken')));
    expect(area.querySelectorAll('.message-error')).toHaveLength(2);
    await attempt('Save settings', () => Promise.resolve(1));
    expect(shown().join('|')).not.toContain('Save settings');
    expect(shown().join('|')).toContain('Other action');
  });

  it('shows at most five, dropping the oldest info messages before any error', () => {
    reportError(new Error('kept'), 'An error');
    for (let i = 0; i < 8; i++) reportInfo(`info ${i}`);
    const texts = shown();
    expect(texts).toHaveLength(5);
    expect(texts.some((t) => t.startsWith('An error'))).toBe(true);
    expect(texts.some((t) => t.startsWith('info 7'))).toBe(true);
    expect(texts.some((t) => t.startsWith('info 0'))).toBe(false);
  });
});
