import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../apps/gateway/src/config/app-config';
import { repoPath } from './observability-files';

// The production-like services of docker-compose.yml keep their blobs in MinIO, checked without
// Docker: API and workers share no volume, and their environment is a valid configuration.

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { services } = compose;
const omnigate = Object.keys(services).filter((name) => services[name]!.build !== undefined);

/** `${VAR:-default}` as compose reads it with VAR unset; `$$` as `$`. */
const unset = (value: string) =>
  value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');

describe('docker-compose.yml: blobs in a MinIO bucket', () => {
  it('runs MinIO (pinned) with a health check, and creates the bucket before any gateway starts', () => {
    const minio = services.minio!;
    expect(minio.image).toMatch(/^minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(minio.profiles).toBeUndefined();
    expect(minio.healthcheck!.test).toEqual(['CMD', 'mc', 'ready', 'local']);
    const init = services['minio-init']!;
    expect(init.image).toMatch(/^minio\/mc:RELEASE\./);
    expect(init.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(init.entrypoint!.join(' ')).toContain('mc mb --ignore-existing local/omnigate');
  });

  it('gives every omnigate process BLOB_STORE=s3 on that bucket, and no shared volume', () => {
    expect(omnigate.sort()).toEqual(['api-replica', 'batch-worker', 'gateway', 'worker']);
    for (const name of omnigate) {
      const service = services[name]!;
      const env = Object.fromEntries(
        Object.entries(service.environment!).map(([k, v]) => [k, unset(String(v))]),
      );
      const config = loadConfig(env);
      expect(config.blobs.store, name).toMatchObject({
        kind: 's3',
        bucket: 'omnigate',
        endpoint: 'http://minio:9000',
        forcePathStyle: true,
      });
      // The bucket's credentials are MinIO's own (the same variables, the same defaults).
      expect(env.AWS_ACCESS_KEY_ID, name).toBe(unset(services.minio!.environment!.MINIO_ROOT_USER!));
      expect(env.AWS_SECRET_ACCESS_KEY, name).toBe(unset(services.minio!.environment!.MINIO_ROOT_PASSWORD!));
      expect(service.volumes ?? [], name).toEqual([]);
      expect(service.depends_on?.['minio-init'], name).toEqual({
        condition: 'service_completed_successfully',
      });
    }
    expect(Object.keys(compose.volumes)).not.toContain('blobs');
  });
});
