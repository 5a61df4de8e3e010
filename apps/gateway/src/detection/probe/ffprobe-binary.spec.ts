import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/app-config';
import { resolveFfprobe } from './ffprobe-binary';

describe('resolveFfprobe', () => {
  let dir: string;
  let binary: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'probe-spec-'));
    binary = join(dir, 'ffprobe');
    await writeFile(binary, '#!/bin/sh\n');
    await chmod(binary, 0o755);
    await writeFile(join(dir, 'not-executable'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds ffprobe on PATH', () => {
    expect(resolveFfprobe(undefined, { PATH: `/nonexistent:${dir}` })).toBe(binary);
  });

  it('is undefined when nothing is configured and PATH has no ffprobe', () => {
    expect(resolveFfprobe(undefined, { PATH: '/nonexistent' })).toBeUndefined();
    expect(resolveFfprobe(undefined, {})).toBeUndefined();
  });

  it('takes FFPROBE_PATH over PATH, and the option over both', () => {
    const other = join(dir, 'elsewhere');
    expect(resolveFfprobe(undefined, { FFPROBE_PATH: binary, PATH: '/nonexistent' })).toBe(binary);
    expect(() => resolveFfprobe(other, { FFPROBE_PATH: binary })).toThrow(ConfigError);
  });

  it('looks a bare configured name up on PATH', () => {
    expect(resolveFfprobe(undefined, { FFPROBE_PATH: 'ffprobe', PATH: dir })).toBe(binary);
  });

  it.each([
    ['a missing file', 'missing'],
    ['a file that is not executable', 'not-executable'],
    ['a directory', '.'],
  ])('stops start-up, naming FFPROBE_PATH, for %s', (_what, name) => {
    const configured = join(dir, name);
    expect(() => resolveFfprobe(undefined, { FFPROBE_PATH: configured })).toThrow(ConfigError);
    expect(() => resolveFfprobe(undefined, { FFPROBE_PATH: configured })).toThrow(/FFPROBE_PATH=/);
  });
});
