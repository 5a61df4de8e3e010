import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/app-config';
import { blobStoreFromEnv } from './blob-store-config';

const s3 = { BLOB_STORE: 's3', S3_BUCKET: 'omnigate-blobs' };

describe('blobStoreFromEnv', () => {
  it('keeps the filesystem store by default, whatever S3_* says', () => {
    expect(blobStoreFromEnv({})).toEqual({ kind: 'fs' });
    expect(blobStoreFromEnv({ BLOB_STORE: 'fs', S3_BUCKET: 'x', S3_PRESIGN_TTL_S: 'nonsense' })).toEqual({
      kind: 'fs',
    });
  });

  it('reads the S3 variables with their defaults', () => {
    expect(blobStoreFromEnv(s3)).toEqual({
      kind: 's3',
      bucket: 'omnigate-blobs',
      region: 'us-east-1',
      forcePathStyle: false,
      prefix: '',
      maxAttempts: 4,
      localCopiesMaxBytes: 2 * 1024 ** 3,
    });
    expect(
      blobStoreFromEnv({
        ...s3,
        S3_ENDPOINT: 'http://minio:9000',
        AWS_REGION: 'eu-west-3',
        S3_PREFIX: 'gateway/prod',
        S3_PRESIGN_TTL_S: '600',
        S3_MAX_ATTEMPTS: '2',
      }),
    ).toMatchObject({
      endpoint: 'http://minio:9000',
      region: 'eu-west-3',
      // Another server than AWS: path style unless told otherwise.
      forcePathStyle: true,
      prefix: 'gateway/prod/',
      presignTtlS: 600,
      maxAttempts: 2,
    });
    expect(
      blobStoreFromEnv({
        ...s3,
        S3_ENDPOINT: 'https://r2.example',
        S3_FORCE_PATH_STYLE: 'false',
        S3_REGION: 'auto',
      }),
    ).toMatchObject({ forcePathStyle: false, region: 'auto' });
  });

  it.each([
    [{ BLOB_STORE: 'gcs' }, /^BLOB_STORE: expected fs or s3/],
    [{ BLOB_STORE: 's3' }, /^S3_BUCKET: required with BLOB_STORE=s3/],
    [{ ...s3, S3_BUCKET: 'Not_A_Bucket' }, /^S3_BUCKET: /],
    [{ ...s3, S3_ENDPOINT: 'ftp://minio' }, /^S3_ENDPOINT: /],
    [{ ...s3, S3_FORCE_PATH_STYLE: 'yes' }, /^S3_FORCE_PATH_STYLE: /],
    [{ ...s3, S3_PREFIX: '../escape' }, /^S3_PREFIX: /],
    [{ ...s3, S3_PREFIX: '/rooted' }, /^S3_PREFIX: /],
    [{ ...s3, S3_PRESIGN_TTL_S: '0' }, /^S3_PRESIGN_TTL_S: expected an integer from 1 to 604800/],
    [{ ...s3, S3_PRESIGN_TTL_S: '604801' }, /^S3_PRESIGN_TTL_S: /],
    [{ ...s3, S3_MAX_ATTEMPTS: '1.5' }, /^S3_MAX_ATTEMPTS: /],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => blobStoreFromEnv(env)).toThrow(message);
  });

  it('never quotes an endpoint, which may carry a password', () => {
    expect(() => blobStoreFromEnv({ ...s3, S3_ENDPOINT: 'http://user:hunter2@minio:9000' })).toThrow(
      /^(?!.*hunter2).*S3_ENDPOINT/,
    );
  });

  it('is part of loadConfig, which also keeps BLOB_MAX_BYTES within what S3 copies in one request', () => {
    expect(loadConfig({}).blobs.store).toEqual({ kind: 'fs' });
    expect(loadConfig(s3).blobs.store).toMatchObject({ kind: 's3', bucket: 'omnigate-blobs' });
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow(ConfigError);
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow(/invalid configuration: S3_BUCKET/);
    expect(() => loadConfig({ ...s3, BLOB_MAX_BYTES: String(6 * 1024 ** 3) })).toThrow(
      /BLOB_MAX_BYTES: at most/,
    );
    expect(loadConfig({ BLOB_MAX_BYTES: String(6 * 1024 ** 3) }).blobs.maxBytes).toBe(6 * 1024 ** 3);
  });
});
