import type { Adapter } from '../sdk/adapter';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../sdk/input-limits';
import { EchoAdapter } from './echo/echo.adapter';
import { Ffmpeg } from './media/ffmpeg';
import { FfmpegAudioAdapter } from './media/ffmpeg-audio.adapter';
import { FfmpegVideoAdapter } from './media/ffmpeg-video.adapter';
import { ImageTextAdapter } from './ocr/image-text.adapter';
import { TesseractEngine } from './ocr/tesseract';
import { PointCloudAdapter } from './pointcloud/pointcloud.adapter';
import { TextRenderAdapter } from './render/text-render.adapter';
import { SharpImageAdapter } from './sharp/sharp-image.adapter';
import { SignalSummaryAdapter } from './signal/signal-summary.adapter';
import { SignalToolsAdapter } from './signal-tools/signal-tools.adapter';
import { ImageAnalysisAdapter } from './image-analysis/image-analysis.adapter';
import { SpeechAdapter } from './speech/speech.adapter';
import { TextAnalysisAdapter } from './text/text.adapter';
import type { SystemTools } from './system-tools';
import { VisionAdapter } from './vision/vision.adapter';
import { PocketsphinxAdapter } from './transcribe/pocketsphinx.adapter';

export { EchoAdapter, EchoOptionsSchema, type EchoOptions } from './echo/echo.adapter';
export {
  Ffmpeg,
  resolveFfmpegBinaries,
  type FfmpegBinaries,
  type FfmpegSettings,
  type MediaProbe,
} from './media/ffmpeg';
export {
  FfmpegAudioAdapter,
  FfmpegAudioOptionsSchema,
  type FfmpegAudioOptions,
} from './media/ffmpeg-audio.adapter';
export {
  FfmpegVideoAdapter,
  FfmpegVideoOptionsSchema,
  type FfmpegVideoOptions,
} from './media/ffmpeg-video.adapter';
export {
  TextRenderAdapter,
  TextRenderOptionsSchema,
  type TextRenderOptions,
} from './render/text-render.adapter';
export {
  PointCloudAdapter,
  PointCloudOptionsSchema,
  type PointCloudOptions,
} from './pointcloud/pointcloud.adapter';
export {
  SharpImageAdapter,
  SharpImageOptionsSchema,
  type SharpImageOptions,
} from './sharp/sharp-image.adapter';
export { ImageTextAdapter, ImageTextOptionsSchema, type ImageTextOptions } from './ocr/image-text.adapter';
export { TesseractEngine, OCR_LANGUAGES, type OcrLanguage } from './ocr/tesseract';
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
export {
  SignalToolsAdapter,
  SignalToolsOptionsSchema,
  type SignalToolsOptions,
} from './signal-tools/signal-tools.adapter';
export {
  ImageAnalysisAdapter,
  ImageAnalysisOptionsSchema,
  type ImageAnalysisOptions,
} from './image-analysis/image-analysis.adapter';

export { SpeechAdapter, SpeechOptionsSchema, type SpeechOptions } from './speech/speech.adapter';
export { FLITE_VOICES, type FliteVoice } from './speech/flite';
export { readWavInfo, type WavInfo } from './speech/wav';
export { VisionAdapter, VisionOptionsSchema, type VisionOptions } from './vision/vision.adapter';
export { HumanEngine, type Detections, type DetectedFace, type DetectedObject } from './vision/human-engine';
export {
  PocketsphinxAdapter,
  PocketsphinxOptionsSchema,
  LOW_ACCURACY_WARNING,
  type PocketsphinxOptions,
} from './transcribe/pocketsphinx.adapter';
export { findSystemTools, type SystemToolPaths, type SystemTools } from './system-tools';
export {
  TextAnalysisAdapter,
  TextAnalysisOptionsSchema,
  type TextAnalysisOptions,
} from './text/text.adapter';
export {
  describeText,
  detectLanguage,
  detectScript,
  keywords,
  summarize,
  type Keyword,
  type LanguageGuess,
  type TextSummary,
  type TextDescription,
} from './text/analysis';

/** What the built-in adapters are configured with (the gateway's settings). */
export interface BuiltinAdapterSettings {
  /** LIMIT_*: what one input may hold, checked again by every decoder before it allocates. */
  limits: InputLimits;
  /**
   * BUILTIN_MODELS: whether the adapters that load a model into the worker process (objects and
   * faces, offline speech recognition) exist; off leaves them out. Default on.
   */
  models?: boolean;
  /** The optional system packages found at start-up (findSystemTools); absent: none of them. */
  tools?: SystemTools;
}

/** One instance of every built-in adapter, for the gateway's registry. */
export function createBuiltinAdapters(
  settings: BuiltinAdapterSettings = { limits: DEFAULT_INPUT_LIMITS },
): Adapter[] {
  const models = settings.models ?? true;
  // One Ffmpeg for the media and point-cloud adapters: the binaries are resolved (and FFMPEG_PATH checked) once.
  const ffmpeg = new Ffmpeg();
  return [
    new SharpImageAdapter(settings.limits),
    new FfmpegAudioAdapter(ffmpeg, settings.limits),
    new FfmpegVideoAdapter(ffmpeg, settings.limits),
    new TextRenderAdapter(),
    new SignalSummaryAdapter(settings.limits),
    new SignalToolsAdapter(settings.limits),
    new ImageAnalysisAdapter(settings.limits),
    new TextAnalysisAdapter(settings.limits),
    new SpeechAdapter(settings.tools?.text2wave),
    new ImageTextAdapter(settings.limits, new TesseractEngine(undefined, settings.tools?.tessdata)),
    new PointCloudAdapter(ffmpeg, settings.limits),
    ...(models ? [new VisionAdapter(settings.limits, ffmpeg)] : []),
    ...(models && settings.tools?.pocketsphinx
      ? [new PocketsphinxAdapter(settings.tools.pocketsphinx, ffmpeg, settings.limits)]
      : []),
    new EchoAdapter(),
  ];
}
