import { z } from 'zod';
import { ModalitySchema } from './modality';

/** What the caller wants back: a modality, optionally a media type, inline base64 or a blob link. */
export const OutputSpecSchema = z
  .union([
    ModalitySchema,
    z.strictObject({
      modality: ModalitySchema,
      mediaType: z.string().max(255).optional(),
      inline: z.boolean().optional(),
    }),
  ])
  .transform((v) => (typeof v === 'string' ? { modality: v } : v))
  .meta({ id: 'OutputSpec' });

export type OutputSpec = { modality: string; mediaType?: string; inline?: boolean };
