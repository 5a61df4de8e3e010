import type { Registry } from 'prom-client';
import type { BlobTraffic } from '../blobs/blob-store';
import { SeriesCounter } from './series';

/**
 * Where blob bytes go: the durable store (`fs`, BLOB_DIR; or `s3`, BLOB_STORE=s3) or the job
 * tier of small job-scoped inputs (`redis` with QUEUE_DRIVER=bullmq, `memory` in-process).
 */
export type BlobStoreLabel = 'fs' | 's3' | 'redis' | 'memory';

/** Bytes written to and read from the blob store, by store; never by blob. */
export class BlobMetrics {
  private readonly written: SeriesCounter;
  private readonly read: SeriesCounter;

  constructor(registry: Registry) {
    this.written = new SeriesCounter(registry, {
      name: 'omnigate_blob_written_bytes_total',
      help: 'Bytes this process wrote to the blob store (uploads, inputs, outputs), by store: fs (BLOB_DIR), s3 (BLOB_STORE=s3) or the job tier of small job-scoped inputs (redis, or memory in-process)',
      labelNames: ['store'],
    });
    this.read = new SeriesCounter(registry, {
      name: 'omnigate_blob_read_bytes_total',
      help: 'Bytes of blob content this process read from the blob store (downloads, detection, adapters), by store: fs or s3 (their in-memory cache included) or the job tier (redis, or memory)',
      labelNames: ['store'],
    });
  }

  /** The counters of one store, bound once (shown as 0 from the start). */
  traffic(store: BlobStoreLabel): BlobTraffic {
    const written = this.written.at(store);
    const read = this.read.at(store);
    return { written: (bytes) => written.inc(bytes), read: (bytes) => read.inc(bytes) };
  }
}
