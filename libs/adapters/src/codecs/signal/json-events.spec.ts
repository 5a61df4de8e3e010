import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../sdk/adapter-error';
import { jsonEvents, type JsonEvent } from './json-events';

const events = (text: string): JsonEvent[] => [...jsonEvents(text)];
const shape = (list: JsonEvent[]) =>
  list.map((e) =>
    e.kind === 'key'
      ? `key:${e.key}`
      : e.kind === 'scalar'
        ? `${e.depth}:${String(e.value)}`
        : `${e.kind}@${e.depth}`,
  );

describe('jsonEvents', () => {
  const doc =
    '{"sampleRateHz": 2.5e1, "channels": [{"name": "a\\"b", "values": [-1, 0.25, true, null]}], "x": {}}';

  it('walks a document item by item with depths', () => {
    expect(shape(events(doc))).toEqual([
      'open@0',
      'key:sampleRateHz',
      '1:25',
      'key:channels',
      'open@1',
      'open@2',
      'key:name',
      '3:a"b',
      'key:values',
      'open@3',
      '4:-1',
      '4:0.25',
      '4:true',
      '4:null',
      'close@3',
      'close@2',
      'close@1',
      'key:x',
      'open@1',
      'close@1',
      'close@0',
    ]);
  });

  it('stops quietly wherever the text is cut, giving a prefix of the whole walk', () => {
    const whole = shape(events(doc));
    for (let cut = 0; cut <= doc.length; cut++) {
      const part = shape(events(doc.slice(0, cut)));
      expect(whole.slice(0, part.length)).toEqual(part);
    }
  });

  it.each([
    ['{"a" 1}', /offset 5: expected ":"/],
    ['[1 2]', /offset 3: expected "," or "\]"/],
    ['{1: 2}', /offset 1: expected a key/],
    ['[01]', /offset 2/],
    ['[nul]', /offset 1: expected a value/],
    ['{} []', /content after the JSON value/],
    ['["bad \\x escape"]', /a bad string at offset 1/],
  ])('refuses %s', (text, message) => {
    const run = () => events(text);
    expect(run).toThrow(AdapterError);
    expect(run).toThrow(message);
  });
});
