import { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from './blob-store-config';

/** A server that does not accept a connection in this long is taken as down (then retried). */
const CONNECT_TIMEOUT_MS = 3000;
/**
 * A socket silent this long is dropped: a server that stopped answering mid-request. Long enough
 * for a download paused by a slow client (the gateway reads S3 only as fast as the client takes).
 */
const SOCKET_IDLE_TIMEOUT_MS = 120_000;

/**
 * The S3 client of BLOB_STORE=s3. Credentials come from the SDK's default chain (the AWS_*
 * variables, a profile, a container or instance role), never from the gateway's configuration.
 * Retries: the SDK's standard mode (exponential backoff with jitter, throttling answers and
 * 5xx and connection failures retried), `maxAttempts` tries in all.
 */
export function createS3Client(config: S3StoreConfig): S3Client {
  return new S3Client({
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    maxAttempts: config.maxAttempts,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: SOCKET_IDLE_TIMEOUT_MS },
    // Checksums only where S3 requires them: several S3-compatible servers refuse the CRC32
    // trailers newer SDKs send by default (the content is hashed with sha256 anyway).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
