import { describe, expect, it } from 'vitest';
import {
  dicomDate,
  draggedWindow,
  dragStep,
  formatNumber,
  orDash,
  windowText,
} from '../../src/renderer/components/dicomPanel-state.js';

describe('item dialog, DICOM section', () => {
  it('formats DICOM dates, empty fields and windows for a reader', () => {
    expect(dicomDate('20260412')).toBe('2026-04-12');
    expect(dicomDate('2026')).toBe('2026');
    expect(dicomDate('')).toBe('—');
    expect(orDash('  ')).toBe('—');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(windowText({ center: -600, width: 1500 })).toBe('C -600 · W 1500');
  });

  it('maps a drag to a window: right widens, down lowers the centre, the width never reaches zero', () => {
    const step = dragStep({ min: -1024, max: 3071 }); // a CT's range: 4095 HU over 400 px
    expect(step).toBeCloseTo(4095 / 400);
    const start = { center: 40, width: 400 };
    expect(draggedWindow(start, 40, 0, step)).toEqual({ center: 40, width: 400 + 40 * step });
    expect(draggedWindow(start, 0, 20, step)).toEqual({ center: 40 - 20 * step, width: 400 });
    expect(draggedWindow(start, -1000, -10, step)).toEqual({ center: 40 + 10 * step, width: step });
    // A constant frame still drags (one unit per 400 px).
    expect(dragStep({ min: 5, max: 5 })).toBe(1 / 400);
  });
});
