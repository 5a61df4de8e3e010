import { APIError } from 'openai';
import { expect } from 'vitest';

/** What the official client's APIError says of a refused call: its status and OpenAI's error fields. */
export interface ApiErrorFields {
  status?: number;
  code?: unknown;
  type?: unknown;
  param?: unknown;
  message: string;
}

/** The APIError a call must throw (the test fails when it resolves or throws anything else). */
export async function apiError(call: Promise<unknown>): Promise<ApiErrorFields> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(APIError);
  const { status, code, type, param, message } = err as APIError;
  return { status, code, type, param, message };
}
