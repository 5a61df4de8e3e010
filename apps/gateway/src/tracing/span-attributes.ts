import { diag, type Attributes, type AttributeValue } from '@opentelemetry/api';
import { validAttributeValue } from './otel-values';
import type { SpanLimits } from './span-limits';

/**
 * Attributes as a flat list, key then value (`[k0, v0, k1, v1...]`): a span has a handful, so a
 * scan finds a key as fast as an object would, and the list goes to the export thread as is.
 */
export type FlatAttributes = unknown[];

/**
 * Attributes that many spans start with alike (a model backend's call, a route's request):
 * checked, cut to the limits and packed for the export (span-data.ts) once, instead of at every
 * span. A span keeps them by reference; setting one of their keys on it gives it its own copy.
 */
export class SharedAttributes {
  private made?: SharedList;

  constructor(readonly attributes: Attributes) {}

  /** The attributes as spans under `limits` keep them (made once; again only for other limits). */
  list(limits: SpanLimits): SharedList {
    if (this.made?.limits !== limits) {
      const list: FlatAttributes = [];
      const dropped = appendChecked(list, this.attributes, limits.attributeCountLimit, limits);
      this.made = { limits, list, dropped };
    }
    return this.made;
  }
}

/** SharedAttributes for one set of limits, and their packed form once the export has made it. */
export interface SharedList {
  readonly limits: SpanLimits;
  readonly list: FlatAttributes;
  /** How many were left out (over the count limit). */
  readonly dropped: number;
  packed?: PackedAttributes;
}

/** Attributes as span-data.ts packs them: the numbers and the strings' bytes, to be appended as they are. */
export interface PackedAttributes {
  numbers: Float64Array;
  bytes: Uint8Array;
}

/**
 * Appends the valid attributes of an object (its keys are distinct: none is looked for in the
 * list), each cut to the value length limit, while the list holds fewer than `countLimit`
 * (whatever else counts against the limit, such as shared attributes, taken off by the caller);
 * returns how many were left out.
 */
export function appendChecked(
  list: FlatAttributes,
  attributes: Attributes,
  countLimit: number,
  limits: SpanLimits,
): number {
  let dropped = 0;
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (value == null) continue;
    if (key.length === 0 || !validAttributeValue(value)) {
      diag.warn(`Invalid attribute value set for key: ${key}`);
      continue;
    }
    if (list.length / 2 >= countLimit) dropped++;
    else list.push(key, truncated(value, limits.attributeValueLengthLimit));
  }
  return dropped;
}

/** Where `key` is in a flat list (its index), or -1. */
export function keyIndex(list: FlatAttributes, key: string): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === key) return i;
  return -1;
}

/** A string (or the strings of an array) cut to `limit`; an array copied. */
export function truncated(value: AttributeValue, limit: number): AttributeValue {
  if (typeof value === 'string') return value.length > limit ? value.slice(0, limit) : value;
  if (Array.isArray(value)) {
    return value.map((v: unknown) =>
      typeof v === 'string' && v.length > limit ? v.slice(0, limit) : v,
    ) as AttributeValue;
  }
  return value;
}

/** Flat attributes as an object. */
export function flatToObject(list: FlatAttributes): Attributes {
  const attributes: Attributes = {};
  for (let i = 0; i < list.length; i += 2) attributes[list[i] as string] = list[i + 1] as AttributeValue;
  return attributes;
}
