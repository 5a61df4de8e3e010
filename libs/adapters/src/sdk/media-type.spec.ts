import { describe, expect, it } from 'vitest';
import { baseMediaType, canonicalMediaType, withAliases } from './media-type';

describe('media type names', () => {
  it('strips parameters and case, and maps aliases to one name', () => {
    expect(baseMediaType('Text/CSV; charset=utf-8')).toBe('text/csv');
    expect(canonicalMediaType('audio/X-WAV')).toBe('audio/wav');
    expect(canonicalMediaType('audio/mp3')).toBe('audio/mpeg');
    expect(canonicalMediaType('audio/x-m4a')).toBe('audio/mp4');
    expect(canonicalMediaType('image/png')).toBe('image/png');
  });

  it('lists every name a set of types goes by', () => {
    expect(withAliases(['audio/wav']).sort()).toEqual(
      ['audio/vnd.wave', 'audio/wav', 'audio/wave', 'audio/x-wav'].sort(),
    );
    expect(withAliases(['image/png'])).toEqual(['image/png']);
  });
});
