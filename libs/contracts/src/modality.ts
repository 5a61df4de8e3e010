import { z } from 'zod';

/** The six modalities every omnigate node knows; a registry may add more at runtime. */
export const BUILTIN_MODALITIES = ['text', 'image', 'audio', 'video', 'signal', 'pointcloud'] as const;

export type BuiltinModality = (typeof BUILTIN_MODALITIES)[number];

/** A modality name: one of the built-ins or a registered one (lower case, e.g. `mesh`). */
export type Modality = BuiltinModality | (string & {});

/** Syntax of a modality name; whether it is known is the gateway's modality registry's call. */
export const ModalitySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{1,31}$/, 'a modality is a lower-case name such as "image"')
  .describe('Modality name: text, image, audio, video, signal, pointcloud, or a registered one');

export function isBuiltinModality(value: string): value is BuiltinModality {
  return (BUILTIN_MODALITIES as readonly string[]).includes(value);
}
