import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The shared fixtures folder (read only): ../shared/fixtures beside the checkout. */
export const FIXTURES_DIR = process.env.OMNIGATE_FIXTURES ?? resolve(__dirname, '../../shared/fixtures');

export function fixture(path: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, path));
}

export interface ManifestEntry {
  path: string;
  bytes: number;
  sha256: string;
  modality: string | null;
  format?: string;
  width?: number;
  height?: number;
  [key: string]: unknown;
}

export function manifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(FIXTURES_DIR, 'manifest.json'), 'utf8')) as { files: ManifestEntry[] })
    .files;
}
