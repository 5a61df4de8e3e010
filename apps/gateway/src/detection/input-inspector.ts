import { AdapterError, type AdapterErrorLike } from '@omnigate/adapters';
import type { Detection, ErrorCode, InputPart } from '@omnigate/contracts';
import type { BlobInfo, BlobStore } from '../blobs/blob-store';
import type { AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';
import { toGatewayError } from '../errors/to-gateway-error';
import type { ModalityRegistry } from '../routing/modality-registry';
import { checkInputLimits } from './input-limits';
import type { MediaProber } from './media-prober';
import { DETECTION_SAMPLE_BYTES, type ModalityDetector } from './modality-detector';
import { extended } from '../common/extended';

/** The blob of an uploaded file (`/v1/files`), or undefined when there is no such file. */
export type FileBlobResolver = (fileId: string) => Promise<BlobInfo | undefined>;

/** An input stored as a blob, with what detection and probing found. */
export interface InspectedInput {
  blob: BlobInfo;
  detection: Detection;
  /** A write still under way (`deferTextUpTo`): settles once the blob is stored. */
  written?: Promise<void>;
}

export interface InspectOptions {
  /**
   * Inline text inputs up to this many bytes are written in the background where the store can
   * (`BlobStore.stage`): the caller awaits `written` before anything else may read them.
   */
  deferTextUpTo?: number;
}

/**
 * Told of every input detection accepts, by its modality, and every one it refuses (the input's
 * fault: a 4xx), by the error's code (metrics). Must not throw.
 */
export interface DetectionObserver {
  detected(modality: string): void;
  refused(code: ErrorCode): void;
}

/**
 * The inputs of `/v1/infer` and `/v1/detect`: stored (inline ones beside the job), detected from
 * their content and hints, probed for metadata, and checked against the size limits.
 */
export class InputInspector {
  constructor(
    private readonly config: AppConfig,
    private readonly blobs: BlobStore,
    private readonly detector: ModalityDetector,
    private readonly prober: MediaProber,
    private readonly modalities: ModalityRegistry,
    private readonly fileBlob: FileBlobResolver,
    /** Told of every input accepted or refused, if given. */
    private readonly observer?: DetectionObserver,
  ) {}

  async inspect(parts: InputPart[], options: InspectOptions = {}): Promise<InspectedInput[]> {
    parts.forEach((p, i) => p.modality && this.modalities.assertKnown(p.modality, `inputs[${i}].modality`));
    return Promise.all(
      parts.map(async (part, index) => {
        const { blob, written } = await this.store(part, index, options.deferTextUpTo ?? -1);
        const detection = await this.accept(blob, part, index);
        return { blob, detection, ...(written ? { written } : {}) };
      }),
    );
  }

  /** What the stored input is, if this server takes it: detected, probed, within the limits. */
  private async accept(blob: BlobInfo, part: InputPart, index: number): Promise<Detection> {
    try {
      const detection = await this.detect(blob, part).catch((err: unknown) => {
        throw AdapterError.is(err) ? atInput(err, index) : err;
      });
      checkInputLimits(detection, this.config.limits, index);
      if (detection.meta?.probe === 'failed') {
        // The signature says what it is, but its content cannot be read: bad input, not ours.
        throw new GatewayError(
          'unprocessable_input',
          `inputs[${index}]: ${detection.mediaType} content cannot be read: ${String(detection.meta.reason)}`,
          { input: index, mediaType: detection.mediaType },
        );
      }
      this.observer?.detected(detection.modality);
      return detection;
    } catch (err) {
      if (this.observer) {
        // Only the input's fault is a refusal; a store or Redis failure (5xx) is not.
        const { code, status } = toGatewayError(err);
        if (status < 500) this.observer.refused(code);
      }
      throw err;
    }
  }

  private async store(
    part: InputPart,
    index: number,
    deferUpTo: number,
  ): Promise<{ blob: BlobInfo; written?: Promise<void> }> {
    const maxBytes = this.config.blobs.maxBytes;
    const meta = { filename: part.filename, maxBytes, scope: 'job' as const };
    if ('text' in part) {
      if (part.text.length === 0) throw new GatewayError('invalid_request', `inputs[${index}].text is empty`);
      const data = Buffer.from(part.text, 'utf8');
      const options = extended(meta, { mediaType: part.mediaType ?? 'text/plain' });
      const staged = data.length <= deferUpTo ? this.blobs.stage?.(data, options) : undefined;
      if (!staged) return { blob: await this.blobs.put(data, options) };
      // Handled here too: a request refused before its writes are awaited leaves no rejection behind.
      staged.written.catch(() => {});
      return { blob: staged.info, written: staged.written };
    }
    if ('data' in part) {
      const data = Buffer.from(part.data, 'base64');
      if (data.length === 0) throw new GatewayError('invalid_request', `inputs[${index}].data is empty`);
      return { blob: await this.blobs.put(data, extended(meta, { mediaType: part.mediaType })) };
    }
    if ('fileId' in part) {
      const blob = await this.fileBlob(part.fileId);
      if (!blob) {
        throw new GatewayError('not_found', `inputs[${index}]: file ${part.fileId} not found`, {
          fileId: part.fileId,
        });
      }
      return { blob };
    }
    const blob = await this.blobs.stat(part.blobId);
    if (!blob)
      throw new GatewayError('not_found', `inputs[${index}]: blob ${part.blobId} not found`, {
        blobId: part.blobId,
      });
    return { blob };
  }

  private async detect(blob: BlobInfo, part: InputPart): Promise<Detection> {
    if ('text' in part && !part.modality) {
      // Inline text is text unless the caller says otherwise: nothing to sniff, only to count.
      const bytes = Buffer.from(part.text, 'utf8');
      const detection = {
        modality: 'text',
        mediaType: part.mediaType ?? 'text/plain',
        confidence: 1,
        reason: 'inline text',
      };
      return this.prober.probe(detection, {
        sample: bytes.subarray(0, DETECTION_SAMPLE_BYTES),
        totalBytes: bytes.length,
        read: async () => bytes,
      });
    }
    const sample = await this.blobs.readPrefix(blob.id, DETECTION_SAMPLE_BYTES);
    const detection = await this.detector.detect(sample, blob.bytes, {
      mediaType:
        part.mediaType ?? (blob.mediaType === 'application/octet-stream' ? undefined : blob.mediaType),
      filename: part.filename ?? blob.filename,
      modality: part.modality,
    });
    const localPath = await this.blobs.localPath(blob.id);
    return this.prober.probe(detection, {
      sample,
      totalBytes: blob.bytes,
      ...(localPath ? { localPath } : {}),
      read: () => this.blobs.read(blob.id),
    });
  }
}

/** A codec's refusal (over a limit, unreadable) as the answer about input `index`. */
function atInput(err: AdapterErrorLike, index: number): GatewayError {
  return new GatewayError(
    err.code,
    `inputs[${index}]: ${err.message}`,
    { input: index, ...err.details },
    { cause: err },
  );
}
