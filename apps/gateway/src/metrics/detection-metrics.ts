import { Counter, type Registry } from 'prom-client';
import type { DetectionObserver } from '../detection/input-inspector';
import { childrenOnDemand } from './bound-children';
import { modalityLabel } from './modality-labels';

/** Inputs detection accepted, by modality, and refused, by error code (ErrorCode: a fixed set). */
export class DetectionMetrics {
  private readonly inputs: (modality: string) => Counter.Internal;
  private readonly refusals: (code: string) => Counter.Internal;

  constructor(registry: Registry) {
    const registers = [registry];
    this.inputs = childrenOnDemand(
      new Counter({
        name: 'omnigate_detection_inputs_total',
        help: 'Inputs detection accepted in this process (/v1/infer, /v1/detect, the OpenAI facade, batch lines), by detected modality (other: one not registered)',
        labelNames: ['modality'] as const,
        registers,
      }),
    );
    this.refusals = childrenOnDemand(
      new Counter({
        name: 'omnigate_detection_refusals_total',
        help: 'Inputs detection refused in this process, by error code: unsupported_media (no modality takes it), payload_too_large (over a size limit), unprocessable_input (unreadable), invalid_request...',
        labelNames: ['code'] as const,
        registers,
      }),
    );
  }

  /** The observer of an InputInspector: a modality `known` refuses is counted as `other`. */
  observer(known: (modality: string) => boolean): DetectionObserver {
    return {
      detected: (modality) => this.inputs(modalityLabel(modality, known)).inc(),
      refused: (code) => this.refusals(code).inc(),
    };
  }
}
