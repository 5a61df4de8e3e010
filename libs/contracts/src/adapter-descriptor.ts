import { z } from 'zod';
import { ModalitySchema } from './modality';

/** Limits an adapter declares for its inputs. */
export const CapabilityLimitsSchema = z.strictObject({
  maxBytes: z.number().int().positive().optional(),
  maxPixels: z.number().int().positive().optional(),
  maxDurationS: z.number().positive().optional(),
  maxPoints: z.number().int().positive().optional(),
});

/** One thing an adapter can do: a task from some input modalities to one output modality. */
export const CapabilitySchema = z
  .strictObject({
    task: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
    inputs: z.array(ModalitySchema).min(1),
    output: ModalitySchema,
    inputMediaTypes: z.array(z.string()).optional(),
    outputMediaTypes: z.array(z.string()).optional(),
    limits: CapabilityLimitsSchema.optional(),
    /** This capability's cost and latency, when they differ from the adapter's hints. */
    costHint: z.number().nonnegative().optional(),
    latencyHintMs: z.number().nonnegative().optional(),
  })
  .meta({ id: 'Capability' });
export type Capability = z.infer<typeof CapabilitySchema>;

/** What an adapter declares about itself. */
export const AdapterDescriptorSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}$/i),
    version: z.string().min(1),
    description: z.string().optional(),
    capabilities: z.array(CapabilitySchema).min(1),
    /** Jobs one worker process runs at once. */
    concurrency: z.number().int().positive().optional(),
    /** At most `max` jobs started per `durationMs` by all worker processes together (an upstream's quota). */
    rateLimit: z
      .strictObject({ max: z.number().int().positive(), durationMs: z.number().int().positive() })
      .optional(),
    domain: z.string().optional(),
    costHint: z.number().nonnegative().optional(),
    latencyHintMs: z.number().nonnegative().optional(),
  })
  .meta({ id: 'AdapterDescriptor' });
export type AdapterDescriptor = z.infer<typeof AdapterDescriptorSchema>;
