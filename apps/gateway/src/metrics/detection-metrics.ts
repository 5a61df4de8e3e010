import type { Registry } from 'prom-client';
import type { DetectionObserver } from '../detection/input-inspector';
import { SeriesCounter } from './series';
import { modalityLabel } from './modality-labels';

/** Inputs detection accepted, by modality, and refused, by error code (ErrorCode: a fixed set). */
export class DetectionMetrics {
  private readonly inputs: SeriesCounter;
  private readonly refusals: SeriesCounter;

  constructor(registry: Registry) {
    this.inputs = new SeriesCounter(registry, {
      name: 'omnigate_detection_inputs_total',
      help: 'Inputs detection accepted in this process (/v1/infer, /v1/detect, the OpenAI facade, batch lines), by detected modality (other: one not registered)',
      labelNames: ['modality'],
    });
    this.refusals = new SeriesCounter(registry, {
      name: 'omnigate_detection_refusals_total',
      help: 'Inputs detection refused in this process, by error code: unsupported_media (no modality takes it), payload_too_large (over a size limit), unprocessable_input (unreadable), invalid_request...',
      labelNames: ['code'],
    });
  }

  /** The observer of an InputInspector: a modality `known` refuses is counted as `other`. */
  observer(known: (modality: string) => boolean): DetectionObserver {
    return {
      detected: (modality) => this.inputs.at(modalityLabel(modality, known)).inc(),
      refused: (code) => this.refusals.at(code).inc(),
    };
  }
}
