import type { FacadeEndpoint } from './facade-endpoint';
import { invalidParam } from './openai-error';
import { chatTranscript } from './chat-audio';
import { responseJob, spokenPartOf, withMedia } from './responses-endpoint';
import { ResponseCreateRequestSchema } from './responses-request';
import { findStoredResponse } from './stored-response';

/**
 * `POST /v1/responses` as a batch line, with the endpoint's mapping (responseJob): the line's
 * body is the request, its answer the response object, stored (unless `store: false`) as the
 * endpoint stores it, so `GET /v1/responses/:id` and a later `previous_response_id` find it.
 * `previous_response_id` is read before the line's job is queued (unknown: a 404 line).
 * `conversation` is refused: a batch's lines run at once and in no order, so turns added to one
 * conversation from them would interleave as they happen to end.
 */
export const responsesEndpoint: FacadeEndpoint = {
  async lineJobs(body, deps, priority) {
    const request = ResponseCreateRequestSchema.parse(body);
    if (request.stream) throw invalidParam('stream', 'a batch line cannot stream; leave stream out');
    if (request.background) {
      throw invalidParam('background', 'a batch line runs in the background already; leave background out');
    }
    if (request.conversation !== undefined && request.conversation !== null) {
      throw invalidParam(
        'conversation',
        'a batch line cannot continue a conversation (lines run at once, in no order); use previous_response_id, or POST /v1/responses',
      );
    }
    const previousId = request.previous_response_id;
    const previous = previousId
      ? await findStoredResponse(deps.responses, previousId, 'previous_response_id')
      : undefined;
    const job = await responseJob(request, previous?.conversation ?? [], deps);
    return {
      requests: [{ ...job.request, priority }],
      ...(job.speech
        ? { followUp: async ([chat]) => [job.speech!.request(await chatTranscript(deps, chat!), priority)] }
        : {}),
      async lineBody([record, speech]) {
        const spoken =
          job.speech && speech
            ? await spokenPartOf(job.speech, await chatTranscript(deps, record!), speech, deps.blobs)
            : undefined;
        const stored = await job.build(record!, undefined, spoken);
        if (request.store !== false) await deps.responses.put(stored);
        return withMedia(stored.response, deps.blobs);
      },
    };
  },
};
