import { describe, expect, it } from 'vitest';
import { LineSplitter, parseTrainerLine } from '../../../src/core/training/events.js';

describe('LineSplitter', () => {
  it('reassembles lines split across chunks and keeps a last unterminated line for flush', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a":')).toEqual([]);
    expect(splitter.push('1}\n{"b"')).toEqual(['{"a":1}']);
    expect(splitter.push(':2}\nlast')).toEqual(['{"b":2}']);
    expect(splitter.flush()).toEqual(['last']);
    expect(splitter.flush()).toEqual([]);
  });
});

describe('parseTrainerLine', () => {
  it('parses a known progress record', () => {
    const parsed = parseTrainerLine('{"event":"step","epoch":1,"step":5,"totalSteps":10,"loss":0.5}');
    expect(parsed).toEqual({
      kind: 'event',
      event: { event: 'step', epoch: 1, step: 5, totalSteps: 10, loss: 0.5 },
    });
  });

  it('keeps a non-finite loss reported as null', () => {
    const parsed = parseTrainerLine('{"event":"step","epoch":1,"step":5,"totalSteps":10,"loss":null}');
    expect(parsed?.kind === 'event' && parsed.event.event === 'step' && parsed.event.loss).toBeNull();
  });

  it('treats warnings, broken JSON and unknown or malformed records as log text, blank lines as nothing', () => {
    expect(parseTrainerLine('UserWarning: something')).toEqual({ kind: 'log', text: 'UserWarning: something' });
    expect(parseTrainerLine('{"event":"step",')).toEqual({ kind: 'log', text: '{"event":"step",' });
    expect(parseTrainerLine('{"event":"telemetry"}')?.kind).toBe('log');
    expect(parseTrainerLine('{"event":"step","epoch":"one"}')?.kind).toBe('log');
    expect(parseTrainerLine('   ')).toBeNull();
  });

  it('parses an error record with its code', () => {
    const parsed = parseTrainerLine('{"event":"error","code":"DATASET","message":"empty split"}');
    expect(parsed).toEqual({ kind: 'event', event: { event: 'error', code: 'DATASET', message: 'empty split' } });
  });
});
