import { randomUUID } from 'node:crypto';
import type { Adapter, AdapterInput } from '@omnigate/adapters';
import type { Detection, InferRequest, InputPart, JobResult } from '@omnigate/contracts';
import type { AppConfig } from '../config/app-config';
import type { BlobInfo, BlobStore } from '../blobs/blob-store';
import { DETECTION_SAMPLE_BYTES, type ModalityDetector } from '../detection/modality-detector';
import { GatewayError } from '../errors/gateway-error';
import type { JobBackend } from '../queue/job-backend';
import type { HopJob, JobRecord } from '../queue/job-record';
import { watchJob } from '../queue/job-waiter';
import type { ModalityRegistry } from '../routing/modality-registry';
import type { RoutePlanner } from '../routing/route-planner';

const DEFAULT_PRIORITY = 5;

interface PreparedJob {
  record: JobRecord;
  hop: HopJob;
  priority: number;
}

/** The core of `/v1/infer`: store inputs, detect them, plan the route, queue the job, wait. */
export class InferenceService {
  constructor(
    private readonly config: AppConfig,
    private readonly blobs: BlobStore,
    private readonly detector: ModalityDetector,
    private readonly modalities: ModalityRegistry,
    private readonly planner: RoutePlanner,
    private readonly backend: JobBackend,
  ) {}

  /** Validates, queues and returns the new job's record (status `queued`). */
  async submit(request: InferRequest): Promise<JobRecord> {
    const job = await this.prepare(request);
    await this.enqueue(job);
    return job.record;
  }

  /** Queues the job and waits for its end, or for `timeoutMs`: the record as it then stands. */
  async run(request: InferRequest, timeoutMs = this.config.queue.syncTimeoutMs): Promise<JobRecord> {
    const job = await this.prepare(request);
    // Listen before queueing: then no read is needed to catch a job that ends at once.
    const watch = watchJob(this.backend.store, job.record.id, timeoutMs, true);
    try {
      await this.enqueue(job);
    } catch (err) {
      watch.cancel();
      throw err;
    }
    return (await watch.result) ?? job.record;
  }

  private async enqueue({ record, hop, priority }: PreparedJob): Promise<void> {
    await this.backend.store.create(record);
    await this.backend.hops.add(hop, { priority });
  }

  /** Everything up to the queue: store and detect the inputs, plan the route, check options. */
  private async prepare(request: InferRequest): Promise<PreparedJob> {
    const output = request.output;
    this.modalities.assertKnown(output.modality, 'output');
    request.inputs.forEach(
      (p, i) => p.modality && this.modalities.assertKnown(p.modality, `inputs[${i}].modality`),
    );

    const stored = await Promise.all(request.inputs.map((part, i) => this.storeInput(part, i)));
    const detected = await Promise.all(stored.map(({ blob, part }) => this.detect(blob, part)));
    const hop = this.planner.plan({
      inputs: detected.map((d) => d.modality),
      output: output.modality,
      outputMediaType: output.mediaType,
      task: request.task,
      adapter: request.adapter,
    });
    const { options, warnings } = validateOptions(hop.adapter, request.options ?? {});

    const id = randomUUID();
    const record: JobRecord = {
      id,
      status: 'queued',
      outputs: [],
      route: [
        {
          adapter: hop.adapter.descriptor.id,
          task: hop.capability.task,
          from: hop.capability.inputs,
          to: output.modality,
        },
      ],
      detected,
      warnings,
      timings: {},
      createdAt: new Date().toISOString(),
      outputSpec: output,
    };
    const inputs: AdapterInput[] = stored.map(({ blob }, i) => ({
      modality: detected[i].modality,
      mediaType: detected[i].mediaType,
      blobId: blob.id,
      bytes: blob.bytes,
      ...(blob.filename ? { filename: blob.filename } : {}),
      ...(detected[i].meta ? { meta: detected[i].meta } : {}),
    }));
    const job: HopJob = {
      jobId: id,
      hop: 0,
      adapter: hop.adapter.descriptor.id,
      task: hop.capability.task,
      inputs,
      output: { modality: output.modality, ...(output.mediaType ? { mediaType: output.mediaType } : {}) },
      options,
    };
    return { record, hop: job, priority: request.priority ?? DEFAULT_PRIORITY };
  }

  async get(id: string): Promise<JobRecord> {
    const record = await this.backend.store.get(id);
    if (!record) throw new GatewayError('not_found', `job ${id} not found (or expired)`, { jobId: id });
    return record;
  }

  /** The public view of a record; binary outputs carry base64 `data` when the caller asked inline. */
  async present(record: JobRecord): Promise<JobResult & { links: { self: string } }> {
    const { outputSpec, ...result } = record;
    const outputs = outputSpec.inline
      ? await Promise.all(
          result.outputs.map(async (o) =>
            o.blobId ? { ...o, data: (await this.blobs.read(o.blobId)).toString('base64') } : o,
          ),
        )
      : result.outputs;
    return { ...result, outputs, links: { self: `/v1/jobs/${record.id}` } };
  }

  private async storeInput(part: InputPart, index: number): Promise<{ blob: BlobInfo; part: InputPart }> {
    const maxBytes = this.config.blobs.maxBytes;
    const meta = { filename: part.filename, maxBytes, scope: 'job' as const };
    if ('text' in part) {
      if (part.text.length === 0) throw new GatewayError('invalid_request', `inputs[${index}].text is empty`);
      return {
        blob: await this.blobs.put(Buffer.from(part.text, 'utf8'), {
          ...meta,
          mediaType: part.mediaType ?? 'text/plain',
        }),
        part,
      };
    }
    if ('data' in part) {
      const data = Buffer.from(part.data, 'base64');
      if (data.length === 0) throw new GatewayError('invalid_request', `inputs[${index}].data is empty`);
      return { blob: await this.blobs.put(data, { ...meta, mediaType: part.mediaType }), part };
    }
    const blob = await this.blobs.stat(part.blobId);
    if (!blob)
      throw new GatewayError('not_found', `inputs[${index}]: blob ${part.blobId} not found`, {
        blobId: part.blobId,
      });
    return { blob, part };
  }

  private async detect(blob: BlobInfo, part: InputPart): Promise<Detection> {
    if ('text' in part && !part.modality) {
      // Inline text is text unless the caller says otherwise: nothing to sniff.
      return {
        modality: 'text',
        mediaType: part.mediaType ?? 'text/plain',
        confidence: 1,
        reason: 'inline text',
        meta: { length: part.text.length },
      };
    }
    const sample = await this.blobs.readPrefix(blob.id, DETECTION_SAMPLE_BYTES);
    return this.detector.detect(sample, blob.bytes, {
      mediaType:
        part.mediaType ?? (blob.mediaType === 'application/octet-stream' ? undefined : blob.mediaType),
      filename: part.filename ?? blob.filename,
      modality: part.modality,
    });
  }
}

/** Checks options against the adapter's schema; keys it does not know become warnings. */
function validateOptions(
  adapter: Adapter,
  options: Record<string, unknown>,
): { options: Record<string, unknown>; warnings: string[] } {
  const schema = adapter.options;
  if (!schema) {
    const keys = Object.keys(options);
    return {
      options: {},
      warnings: keys.map((k) => `option "${k}" is not used by ${adapter.descriptor.id}`),
    };
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: ['options', ...i.path].join('.'),
      message: i.message,
    }));
    throw new GatewayError('invalid_request', `${issues[0]?.path}: ${issues[0]?.message}`, {
      adapter: adapter.descriptor.id,
      issues,
    });
  }
  const known = parsed.data as Record<string, unknown>;
  const warnings = Object.keys(options)
    .filter((k) => !(k in known))
    .map((k) => `option "${k}" is not used by ${adapter.descriptor.id}`);
  return { options: known, warnings };
}
