/** Pieces every part of the OpenAPI document uses. */

/** A reference to a schema of the document's components. */
export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A JSON content of `schema`. */
export const json = (schema: object) => ({ 'application/json': { schema } });

/** Error answers in the native shape, for each of `statuses`. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [String(s), { description: 'error', content: json(ref('ErrorBody')) }]),
  );

/** Errors of the OpenAI-compatible routes, in OpenAI's shape. */
export const openAiFailures = (() => {
  const openAiError = { description: "error, in OpenAI's shape {error: {message, type, code, param}}" };
  return { '4XX': openAiError, '5XX': openAiError };
})();

/** The `limit` and `after` of a list paged by cursor (OpenAI's lists). */
export function pageParameters(limit: { maximum: number; default: number }): object[] {
  return [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, ...limit } },
    {
      name: 'after',
      in: 'query',
      schema: { type: 'string' },
      description: 'the last id of the previous page',
    },
  ];
}
