import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ConfigError } from '../../config/app-config';

/**
 * The ffprobe to run, resolved once at start-up: the configured path (option, else the
 * FFPROBE_PATH variable), else `ffprobe` on PATH, else undefined (audio and video are then probed
 * from their headers only). A configured path that is not an executable stops start-up.
 */
export function resolveFfprobe(configured: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const wanted = configured || env.FFPROBE_PATH || undefined;
  if (wanted === undefined) return findOnPath('ffprobe', env.PATH);
  const found = wanted.includes('/') ? executable(resolve(wanted)) : findOnPath(wanted, env.PATH);
  if (!found) throw new ConfigError(`FFPROBE_PATH=${wanted} is not an executable file`);
  return found;
}

function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    const found = dir ? executable(join(dir, name)) : undefined;
    if (found) return found;
  }
  return undefined;
}

function executable(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}
