import type { Adapter } from '../sdk/adapter';
import { EchoAdapter } from './echo/echo.adapter';
import { TextRenderAdapter } from './render/text-render.adapter';
import { SharpImageAdapter } from './sharp/sharp-image.adapter';
import { SignalSummaryAdapter } from './signal/signal-summary.adapter';

export { EchoAdapter, EchoOptionsSchema, type EchoOptions } from './echo/echo.adapter';
export {
  TextRenderAdapter,
  TextRenderOptionsSchema,
  type TextRenderOptions,
} from './render/text-render.adapter';
export {
  SharpImageAdapter,
  SharpImageOptionsSchema,
  type SharpImageOptions,
} from './sharp/sharp-image.adapter';
export {
  formatSignalSummary,
  summarizeSignal,
  type ChannelSummary,
  type SignalSummary,
} from './signal/signal-summary';
export {
  SignalSummaryAdapter,
  SignalSummaryOptionsSchema,
  type SignalSummaryOptions,
} from './signal/signal-summary.adapter';

/** One instance of every built-in adapter, for the gateway's registry. */
export function createBuiltinAdapters(): Adapter[] {
  return [new SharpImageAdapter(), new TextRenderAdapter(), new SignalSummaryAdapter(), new EchoAdapter()];
}
