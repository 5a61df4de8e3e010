import { describe, expect, it } from 'vitest';
import { fixture } from '../../../../../test/fixtures';
import { signalFormatOf, sniffSignalFormat } from './signal-format';

describe('signalFormatOf', () => {
  it.each([
    ['text/csv', undefined, 'csv'],
    ['Text/CSV; charset=utf-8', undefined, 'csv'],
    ['text/tab-separated-values', undefined, 'tsv'],
    ['application/json', undefined, 'json'],
    ['application/vnd.signal+json', undefined, 'json'],
    ['application/edf', undefined, 'edf'],
    ['audio/wav', undefined, 'wav'],
    ['audio/x-wav', undefined, 'wav'],
    ['audio/wave', undefined, 'wav'],
    ['application/vnd.ms-excel', 'ecg.CSV', 'csv'],
    ['application/octet-stream', 'night.edf', 'edf'],
    ['application/octet-stream', 'accel.tsv', 'tsv'],
    ['text/plain', 'series.json', 'json'],
    ['text/plain', undefined, undefined],
    ['application/octet-stream', 'notes', undefined],
    ['image/png', 'x.png', undefined],
    ['text/plain', 'constructor', undefined],
    ['text/constructor', undefined, undefined],
  ])('%s (%s) is %s', (mediaType, filename, format) => {
    expect(signalFormatOf(mediaType, filename)).toBe(format);
  });
});

describe('sniffSignalFormat', () => {
  it.each([
    ['signal/edf-test-generator.edf', 'edf'],
    ['signal/sleep-psg-1hz.wav', 'wav'],
    ['signal/mitdb-100-ecg-10s.csv', 'csv'],
    ['image/fixture.png', undefined],
  ])('%s is %s', (path, format) => {
    expect(sniffSignalFormat(fixture(path))).toBe(format);
  });

  it('tells JSON from delimited text', () => {
    expect(sniffSignalFormat(Buffer.from('\ufeff  [1, 2]'))).toBe('json');
    expect(sniffSignalFormat(Buffer.from('{"channels": []}'))).toBe('json');
    expect(sniffSignalFormat(Buffer.from('a;b\n1;2\n'))).toBe('csv');
  });
});
