/** Where durable blobs live: files under BLOB_DIR (the default), or an S3-compatible bucket. */
export type BlobStoreConfig = { kind: 'fs' } | S3StoreConfig;

/**
 * The bucket of BLOB_STORE=s3. Credentials are not here: the AWS SDK finds them itself (the
 * AWS_* variables, a profile, a role), so they are never in the configuration tree or a log.
 */
export interface S3StoreConfig {
  kind: 's3';
  bucket: string;
  /** Another S3-compatible server (MinIO, R2, ...); absent: AWS for `region`. */
  endpoint?: string;
  region: string;
  /** `http://endpoint/bucket/key` rather than `http://bucket.endpoint/key` (MinIO wants this). */
  forcePathStyle: boolean;
  /** Put before every key ('' or ending in '/'), so one bucket can hold several gateways. */
  prefix: string;
  /** Seconds a presigned download URL lives; absent: downloads go through the gateway. */
  presignTtlS?: number;
  /** Tries per request, the first included (the SDK's standard retry mode, with backoff). */
  maxAttempts: number;
  /** Bytes of local copies kept for tools that want a file (ffprobe), per process. */
  localCopiesMaxBytes: number;
}

/** S3's own limits: a bucket's name, and what SigV4 lets a presigned URL live (7 days). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PRESIGN_MAX_S = 7 * 24 * 3600;
/** Characters S3 documents as safe in a key; `..` and a leading `/` are refused besides. */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*'()/-]{1,256}$/;
const DEFAULT_LOCAL_COPIES_BYTES = 2 * 1024 ** 3;

/**
 * BLOB_STORE and, with BLOB_STORE=s3, the S3_* variables (checked only then). Throws with the
 * variable's name in the message.
 */
export function blobStoreFromEnv(env: NodeJS.ProcessEnv): BlobStoreConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const kind = get('BLOB_STORE') ?? 'fs';
  if (kind === 'fs') return { kind };
  if (kind !== 's3')
    throw new Error(`BLOB_STORE: expected fs or s3, got ${JSON.stringify(kind.slice(0, 40))}`);

  const bucket = get('S3_BUCKET');
  if (bucket === undefined) throw new Error('S3_BUCKET: required with BLOB_STORE=s3');
  if (!BUCKET_NAME.test(bucket)) {
    throw new Error('S3_BUCKET: a bucket name is 3 to 63 lowercase letters, digits, dots and hyphens');
  }
  const endpoint = get('S3_ENDPOINT');
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    // Not quoted: a URL may carry a password, and credentials come from the AWS chain anyway.
    throw new Error('S3_ENDPOINT: expected an http(s) URL without credentials in it');
  }
  const region = get('S3_REGION') ?? get('AWS_REGION') ?? 'us-east-1';
  if (!/^[a-z0-9-]{1,64}$/.test(region))
    throw new Error(`S3_REGION: not a region name: ${JSON.stringify(region)}`);

  const pathStyle = get('S3_FORCE_PATH_STYLE');
  if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false') {
    throw new Error(
      `S3_FORCE_PATH_STYLE: expected true or false, got ${JSON.stringify(pathStyle.slice(0, 40))}`,
    );
  }
  // A self-hosted server is usually one host name without per-bucket DNS: path style by default.
  const forcePathStyle = pathStyle === undefined ? endpoint !== undefined : pathStyle === 'true';

  const rawPrefix = get('S3_PREFIX');
  if (
    rawPrefix !== undefined &&
    (!SAFE_PREFIX.test(rawPrefix) || rawPrefix.startsWith('/') || rawPrefix.split('/').includes('..'))
  ) {
    throw new Error(
      "S3_PREFIX: up to 256 of A-Z a-z 0-9 ! _ . * ' ( ) / -, not starting with / and without ..",
    );
  }
  const prefix = rawPrefix === undefined ? '' : rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;

  const presignTtlS = integer(get, 'S3_PRESIGN_TTL_S', 1, PRESIGN_MAX_S);
  return {
    kind,
    bucket,
    ...(endpoint !== undefined && { endpoint }),
    region,
    forcePathStyle,
    prefix,
    ...(presignTtlS !== undefined && { presignTtlS }),
    maxAttempts: integer(get, 'S3_MAX_ATTEMPTS', 1, 20) ?? 4,
    localCopiesMaxBytes:
      integer(get, 'S3_LOCAL_COPIES_MAX_BYTES', 0, Number.MAX_SAFE_INTEGER) ?? DEFAULT_LOCAL_COPIES_BYTES,
  };
}

function integer(
  get: (name: string) => string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(
      `${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}
