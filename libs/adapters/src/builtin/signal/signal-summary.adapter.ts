import { z } from 'zod';
import type { AdapterDescriptor } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { parseOptions, requireInput } from '../inputs';
import { baseMediaType } from '../../sdk/media-type';
import { selectChannels } from '../../codecs/signal';
import { readSignalInput } from './read-signal';
import { formatSignalSummary, summarizeSignal } from './signal-summary';

const ADAPTER_ID = 'builtin.signal';
const MAX_BYTES = 64 * 1024 * 1024;

export const SignalSummaryOptionsSchema = z.object({
  /** Sample rate when the data does not carry one (no time column, no `sampleRateHz` in JSON; EDF and WAV always do). */
  sampleRateHz: z.number().positive().max(1e9).optional(),
  /** Names of the channels to describe; default all. */
  channels: z.array(z.string().min(1)).min(1).optional(),
});
export type SignalSummaryOptions = z.infer<typeof SignalSummaryOptionsSchema>;

/** Describes a sensor signal (CSV/TSV, JSON, EDF/EDF+, WAV) in text or JSON: length, sample rate, per-channel statistics and dominant frequency. */
export class SignalSummaryAdapter implements Adapter<SignalSummaryOptions> {
  readonly options = SignalSummaryOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Signal summary of CSV/TSV, JSON, EDF/EDF+ or WAV: sample rate, length, per-channel min/max/mean/RMS and dominant frequency',
    capabilities: [
      {
        task: 'describe',
        inputs: ['signal'],
        output: 'text',
        inputMediaTypes: [
          'text/csv',
          'text/tab-separated-values',
          'application/json',
          'text/plain',
          'application/edf',
          'audio/wav',
          'audio/x-wav',
          'audio/wave',
        ],
        outputMediaTypes: ['text/plain', 'application/json'],
        limits: { maxBytes: MAX_BYTES },
      },
    ],
    concurrency: 4,
    costHint: 1,
    latencyHintMs: 50,
  };

  /** `limits`: the gateway's LIMIT_* values; LIMIT_SIGNAL_VALUES is checked while the input is decoded. */
  constructor(private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS) {}

  async invoke(
    request: AdapterRequest<SignalSummaryOptions>,
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    const input = requireInput(request, 'signal', ADAPTER_ID);
    const json = wantsJson(request.output.mediaType);

    const warnings: string[] = [];
    const parsed = await readSignalInput(context, input, {
      maxBytes: MAX_BYTES,
      limits: this.limits,
      fallbackRateHz: options.sampleRateHz,
    });
    if (
      options.sampleRateHz !== undefined &&
      parsed.sampleRateHz !== undefined &&
      Math.abs(parsed.sampleRateHz - options.sampleRateHz) > 1e-6 * options.sampleRateHz
    ) {
      warnings.push(
        `sampleRateHz ${options.sampleRateHz} is ignored: the data says ${parsed.sampleRateHz} Hz`,
      );
    }
    const signal = selectChannels(parsed, options.channels, warnings);
    context.signal.throwIfAborted();

    const summary = summarizeSignal(signal);
    const text = json ? `${JSON.stringify(summary, null, 2)}\n` : formatSignalSummary(summary);
    return {
      outputs: [{ modality: 'text', mediaType: json ? 'application/json' : 'text/plain', text }],
      warnings,
    };
  }
}

function wantsJson(mediaType: string | undefined): boolean {
  if (mediaType === undefined) return false;
  const type = baseMediaType(mediaType);
  if (type === 'application/json') return true;
  if (type === 'text/plain') return false;
  throw new AdapterError(
    'unprocessable_input',
    `${ADAPTER_ID} writes text/plain or application/json, not ${type}`,
    {
      details: { mediaType: type },
    },
  );
}
