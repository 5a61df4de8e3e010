import { Counter, type Registry } from 'prom-client';
import type { BlobTraffic } from '../blobs/blob-store';

/**
 * Where blob bytes go: the durable store (`fs`, BLOB_DIR; or `s3`, BLOB_STORE=s3) or the job
 * tier of small job-scoped inputs (`redis` with QUEUE_DRIVER=bullmq, `memory` in-process).
 */
export type BlobStoreLabel = 'fs' | 's3' | 'redis' | 'memory';

/** Bytes written to and read from the blob store, by store; never by blob. */
export class BlobMetrics {
  private readonly written: Counter<'store'>;
  private readonly read: Counter<'store'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.written = new Counter({
      name: 'omnigate_blob_written_bytes_total',
      help: 'Bytes this process wrote to the blob store (uploads, inputs, outputs), by store: fs (BLOB_DIR), s3 (BLOB_STORE=s3) or the job tier of small job-scoped inputs (redis, or memory in-process)',
      labelNames: ['store'] as const,
      registers,
    });
    this.read = new Counter({
      name: 'omnigate_blob_read_bytes_total',
      help: 'Bytes of blob content this process read from the blob store (downloads, detection, adapters), by store: fs or s3 (their in-memory cache included) or the job tier (redis, or memory)',
      labelNames: ['store'] as const,
      registers,
    });
  }

  /** The counters of one store, bound once (shown as 0 from the start). */
  traffic(store: BlobStoreLabel): BlobTraffic {
    const written = this.written.labels(store);
    const read = this.read.labels(store);
    written.inc(0);
    read.inc(0);
    return { written: (bytes) => written.inc(bytes), read: (bytes) => read.inc(bytes) };
  }
}
