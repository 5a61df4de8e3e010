import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extended } from './extended';

describe('extended', () => {
  it('is the spread of both: own properties of each, the extra ones last and winning, the base untouched', () => {
    const base = JSON.parse('{"a":1,"b":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const made = extended(base, { b: 'y', c: 3 });
    expect(made).toEqual({ ...base, b: 'y', c: 3 });
    expect(Object.keys(made)).toEqual(['a', 'b', '__proto__', 'c']);
    // An own "__proto__" stays a data property, as with a spread: no prototype is set.
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect((made as { polluted?: unknown }).polluted).toBeUndefined();
    expect(base).toEqual(JSON.parse('{"a":1,"b":"x","__proto__":{"polluted":true}}'));
    expect(extended(undefined, { c: 3 })).toEqual({ c: 3 });
  });

  it('gives its results one hidden class, where a literal starting with the spread makes a new one each time', () => {
    // V8's own view of the maps, in a child process (natives syntax is a start-up flag).
    const tsx = createRequire(__filename).resolve('tsx/cjs');
    const script = `
      const { extended } = require(${JSON.stringify(join(__dirname, 'extended.ts'))});
      const made = (i) => ({ ...JSON.parse('{"id":"j","status":"running"}'), attempt: i });
      const ours = Array.from({ length: 10 }, (_, i) => i).map((i) => extended(made(i), { ms: i, finishedAt: 'now' }));
      const spread = Array.from({ length: 10 }, (_, i) => i).map((i) => ({ ...made(i), ms: i, finishedAt: 'now' }));
      console.log(JSON.stringify({
        ours: %HaveSameMap(ours[8], ours[9]),
        spread: %HaveSameMap(spread[8], spread[9]),
      }));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--require', tsx, '-e', script], {
      encoding: 'utf8',
    });
    // The second is what the helper is for: were it true, V8 no longer needs it.
    expect(JSON.parse(out)).toEqual({ ours: true, spread: false });
  });
});
