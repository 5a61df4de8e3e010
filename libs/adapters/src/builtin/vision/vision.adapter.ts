import sharp from 'sharp';
import { z } from 'zod';
import type { AdapterDescriptor, Capability } from '@omnigate/contracts';
import type { Adapter, AdapterContext, AdapterInput, AdapterRequest, AdapterResult } from '../../sdk/adapter';
import { AdapterError } from '../../sdk/adapter-error';
import { errorMessage } from '../../sdk/error-message';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../sdk/input-limits';
import { baseMediaType } from '../../sdk/media-type';
import { parseOptions, requireInput } from '../inputs';
import { Ffmpeg } from '../media/ffmpeg';
import { MAX_INPUT_BYTES as MAX_VIDEO_BYTES, readMediaInput } from '../media/media-input';
import { VIDEO_INPUT_MEDIA_TYPES } from '../media/media-types';
import { openImage, type CheckedImage } from '../sharp/image-input';
import { boxesSvg, type LabelledBox } from './draw-boxes';
import { foundAt, pickObjects, type Found } from './found';
import { HumanEngine, MAX_DETECTIONS, type DetectedFace, type RgbImage } from './human-engine';
import { MAX_SAMPLED_FRAMES, sampleFrames, type FrameSampling } from './video-frames';
import { formatVideoReport, videoReport, type FrameFindings } from './video-report';

const ADAPTER_ID = 'builtin.vision';
const TASKS = ['detect', 'faces'] as const;
type VisionTask = (typeof TASKS)[number];

const INPUT_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'];
const TEXT_TYPES = ['text/plain', 'application/json'];
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
/** sharp's own default pixel limit: the image is shrunk before the models see it. */
const MAX_INPUT_PIXELS = 268_402_689;
/**
 * The longest side the models are given: CenterNet reads 512 pixels and BlazeFace 256, so more
 * only costs memory (a 1280-pixel image is 20 MB of floats) and time.
 */
const MODEL_MAX_SIDE = 1280;

export const VisionOptionsSchema = z.object({
  /** Detections scored below this (0..1) are left out; default 0.3 for objects, 0.5 for faces. */
  minScore: z.number().min(0).max(1).optional(),
  /** The most detections reported, highest scores first. */
  maxResults: z.number().int().min(1).max(MAX_DETECTIONS).default(50),
  /** detect: only these COCO labels (e.g. `["person", "dog"]`); all when absent. */
  labels: z.array(z.string().min(1).max(64)).max(80).optional(),
  /** faces, JSON output: each face's 1024-number descriptor, for matching faces across images. */
  descriptor: z.boolean().default(false),
  /** detect on a video: seconds between sampled frames (default 1), widened so that the whole video fits in maxFrames. */
  intervalS: z.number().min(0.1).max(3600).optional(),
  /** detect on a video: the most frames sampled (default 30). */
  maxFrames: z.number().int().min(1).max(MAX_SAMPLED_FRAMES).optional(),
});
export type VisionOptions = z.infer<typeof VisionOptionsSchema>;

const capability = (task: VisionTask, output: 'text' | 'image'): Capability => ({
  task,
  inputs: ['image'],
  output,
  inputMediaTypes: INPUT_MEDIA_TYPES,
  outputMediaTypes: output === 'text' ? TEXT_TYPES : IMAGE_TYPES,
  limits: { maxPixels: MAX_INPUT_PIXELS },
});

const DEFAULT_SAMPLING: FrameSampling = { intervalS: 1, maxFrames: 30 };

/**
 * detect on a video: objects over frames sampled through it. One model run per frame (30 by
 * default, 0.1 to 0.3 s each here) plus a decoding pass, so it costs more than one image. It
 * stays below thumbnail → image detect (1.05 + 6.03), which looks at a single frame and would
 * otherwise win a video's `detect`; a backend that declares `detect` on video (cost 5 by
 * default) takes the route from it.
 */
const VIDEO_DETECT: Capability = {
  task: 'detect',
  inputs: ['video'],
  output: 'text',
  inputMediaTypes: VIDEO_INPUT_MEDIA_TYPES,
  outputMediaTypes: TEXT_TYPES,
  limits: { maxBytes: MAX_VIDEO_BYTES },
  costHint: 6,
  latencyHintMs: 8_000,
};

/**
 * Objects and faces in images, offline: `detect` finds the 80 COCO object classes (person, car,
 * dog ...) with CenterNet, `faces` finds faces with BlazeFace and estimates age, gender and emotion
 * (FaceRes, an emotion model). Both answer text (one line per detection, or JSON with boxes and
 * counts) or the image with the boxes drawn; `detect` also reads a video, sampling frames
 * through it, and answers the objects of each frame with its time. The models come inside the
 * @vladmandic/human package and run on TensorFlow.js's WebAssembly backend in a thread of the
 * worker process, loaded on first use (a quarter to half a second, 250 to 450 MB) and shared by
 * every job.
 */
export class VisionAdapter implements Adapter<VisionOptions> {
  readonly options = VisionOptionsSchema;

  readonly descriptor: AdapterDescriptor = {
    id: ADAPTER_ID,
    version: '1.0.0',
    description:
      'Objects (80 COCO classes) and faces (age, gender, emotion) in images, offline (@vladmandic/human on TensorFlow.js WebAssembly): text, JSON with boxes and counts, or the image with boxes drawn; objects in frames sampled through a video, with their times',
    capabilities: [
      ...TASKS.flatMap((task) => [capability(task, 'text'), capability(task, 'image')]),
      VIDEO_DETECT,
    ],
    // The models read one image at a time per process; the second job decodes its image meanwhile.
    concurrency: 2,
    // An offline model: above any configured backend (5 by default), which always wins a route.
    costHint: 6,
    latencyHintMs: 300,
  };

  constructor(
    private readonly limits: InputLimits = DEFAULT_INPUT_LIMITS,
    private readonly ffmpeg = new Ffmpeg(),
    readonly engine = new HumanEngine(),
  ) {}

  async invoke(request: AdapterRequest<VisionOptions>, context: AdapterContext): Promise<AdapterResult> {
    const options = parseOptions(this.options, request.options, ADAPTER_ID);
    if (!(TASKS as readonly string[]).includes(request.task)) {
      throw new AdapterError('invalid_request', `${ADAPTER_ID} has no task ${request.task}`);
    }
    const task = request.task as VisionTask;
    const minScore = options.minScore ?? (task === 'faces' ? 0.5 : 0.3);
    const outputType = checkOutputType(request.output.modality, request.output.mediaType);
    const warnings: string[] = [];
    const video = request.inputs.find((candidate) => candidate.modality === 'video');
    if (video) {
      if (task !== 'detect') {
        throw AdapterError.unprocessable(`${ADAPTER_ID} ${task} reads images, not video`);
      }
      if (outputType.startsWith('image/')) {
        throw AdapterError.unprocessable(`${ADAPTER_ID} detect on a video writes text, not an image`);
      }
      if (options.descriptor) warnings.push('descriptor is ignored by detect');
      return this.detectInVideo(video, options, minScore, outputType, warnings, context);
    }
    const input = requireInput(request, 'image', ADAPTER_ID);
    for (const key of ['intervalS', 'maxFrames'] as const) {
      if (options[key] !== undefined) warnings.push(`${key} is only used on a video`);
    }
    if (task === 'detect' && options.descriptor) warnings.push('descriptor is ignored by detect');
    if (task === 'faces' && options.labels) warnings.push('labels is ignored by faces');
    if (options.descriptor && outputType !== 'application/json') {
      warnings.push('descriptor is only given in application/json output');
    }

    context.signal.throwIfAborted();
    const source = await context.blobs.read(input.blobId);
    context.signal.throwIfAborted();
    const image = await openImage(source, this.limits, MAX_INPUT_PIXELS);
    const { rgb, scale, width, height } = await modelInput(image).catch((error: unknown) => {
      context.signal.throwIfAborted();
      throw AdapterError.unprocessable(`cannot read the image: ${errorMessage(error)}`, error);
    });
    await context.progress(0.1);

    const detections = await this.engine.detect(rgb, {
      objects: task === 'detect',
      faces: task === 'faces',
      minScore,
      descriptor: options.descriptor && outputType === 'application/json',
      signal: context.signal,
    });
    await context.progress(0.9);

    const mapping = { scaleX: scale, scaleY: scale, width, height };
    const toFound = (label: string, score: number, box: readonly number[]): Found =>
      foundAt(label, score, box, mapping);
    const objects = pickObjects(detections.objects, minScore, options.labels, options.maxResults);
    const faces = detections.faces
      .filter((f: DetectedFace) => f.score >= minScore)
      .sort((a, b) => b.score - a.score)
      .slice(0, options.maxResults);
    const found =
      task === 'detect'
        ? objects.map((o) => toFound(o.label, o.score, o.box))
        : faces.map((f) => toFound('face', f.score, f.box));

    if (outputType.startsWith('image/')) {
      const boxes: LabelledBox[] = found.map((f, i) => ({
        box: [f.box.x, f.box.y, f.box.width, f.box.height],
        caption: task === 'faces' ? faceCaption(faces[i]) : `${f.label} ${Math.round(f.score * 100)}%`,
      }));
      const data = await drawn(image.open, width, height, boxes, outputType);
      if (found.length === 0) warnings.push(`no ${task === 'faces' ? 'faces' : 'objects'} were found`);
      return { outputs: [{ modality: 'image', mediaType: outputType, data }], warnings };
    }

    const counts: Record<string, number> = {};
    for (const f of found) counts[f.label] = (counts[f.label] ?? 0) + 1;
    if (outputType === 'application/json') {
      const value =
        task === 'detect'
          ? { width, height, counts, objects: found }
          : {
              width,
              height,
              counts,
              faces: found.map((f, i) => {
                const face = faces[i];
                return {
                  score: f.score,
                  box: f.box,
                  age: face.age,
                  gender: face.gender,
                  genderScore: face.genderScore,
                  emotion: face.emotion[0]?.emotion,
                  emotions: face.emotion,
                  ...(face.descriptor ? { descriptor: face.descriptor } : {}),
                };
              }),
            };
      return {
        outputs: [{ modality: 'text', mediaType: 'application/json', text: `${JSON.stringify(value)}\n` }],
        warnings,
      };
    }
    const lines = found.map((f, i) => {
      const where = `at x=${f.box.x} y=${f.box.y} w=${f.box.width} h=${f.box.height}`;
      const what = task === 'faces' ? faceCaption(faces[i]) : `${f.label} ${Math.round(f.score * 100)}%`;
      return `${what} ${where}`;
    });
    const summary =
      found.length === 0
        ? `no ${task === 'faces' ? 'faces' : 'objects'} found in the ${width}×${height} image`
        : `${found.length} ${task === 'faces' ? (found.length === 1 ? 'face' : 'faces') : found.length === 1 ? 'object' : 'objects'} in the ${width}×${height} image: ${Object.entries(
            counts,
          )
            .map(([label, count]) => `${count} ${label}`)
            .join(', ')}`;
    return {
      outputs: [{ modality: 'text', mediaType: 'text/plain', text: [summary, ...lines].join('\n') + '\n' }],
      warnings,
    };
  }

  /**
   * Objects in frames sampled through a video, one model run after another (a long video waits
   * behind no other job's images for more than one frame at a time), aborted between and during runs.
   */
  private async detectInVideo(
    input: AdapterInput,
    options: VisionOptions,
    minScore: number,
    outputType: string,
    warnings: string[],
    context: AdapterContext,
  ): Promise<AdapterResult> {
    const media = await readMediaInput(this.ffmpeg, context, input, this.limits);
    const sampling: FrameSampling = {
      intervalS: options.intervalS ?? DEFAULT_SAMPLING.intervalS,
      maxFrames: options.maxFrames ?? DEFAULT_SAMPLING.maxFrames,
    };
    const sampled = await sampleFrames(this.ffmpeg, media, sampling, this.limits, context.signal);
    if (sampled.intervalS > sampling.intervalS) {
      warnings.push(
        `one frame every ${sampled.intervalS} s was sampled, so that the video fits in ${sampling.maxFrames} frames`,
      );
    }
    await context.progress(0.1);
    const frames: FrameFindings[] = [];
    for (const [i, frame] of sampled.frames.entries()) {
      const detections = await this.engine.detect(frame.rgb, {
        objects: true,
        faces: false,
        minScore,
        descriptor: false,
        signal: context.signal,
      });
      const objects = pickObjects(detections.objects, minScore, options.labels, options.maxResults);
      frames.push({
        timeS: frame.timeS,
        objects: objects.map((o) => foundAt(o.label, o.score, o.box, sampled)),
      });
      await context.progress(0.1 + (0.85 * (i + 1)) / sampled.frames.length);
    }
    const report = videoReport({ ...sampled, durationS: media.durationS }, frames);
    const text =
      outputType === 'application/json' ? `${JSON.stringify(report)}\n` : formatVideoReport(report);
    return { outputs: [{ modality: 'text', mediaType: outputType, text }], warnings };
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}

/** "face 98%, about 29, female, happy". */
function faceCaption(face: DetectedFace): string {
  const parts = [`face ${Math.round(face.score * 100)}%`];
  if (face.age !== undefined) parts.push(`about ${Math.round(face.age)}`);
  if (face.gender && face.gender !== 'unknown') parts.push(face.gender);
  if (face.emotion[0]) parts.push(face.emotion[0].emotion);
  return parts.join(', ');
}

/** The image upright, without alpha, shrunk to MODEL_MAX_SIDE, as RGB bytes; `scale` maps back. */
async function modelInput(
  image: CheckedImage,
): Promise<{ rgb: RgbImage; scale: number; width: number; height: number }> {
  const { meta } = image;
  if (!meta.width || !meta.height) throw new Error('the image has no size');
  const turned = (meta.orientation ?? 1) >= 5;
  const [width, height] = turned ? [meta.height, meta.width] : [meta.width, meta.height];
  const { data, info } = await image
    .open()
    .autoOrient()
    .resize({ width: MODEL_MAX_SIDE, height: MODEL_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { rgb: { data, width: info.width, height: info.height }, scale: info.width / width, width, height };
}

async function drawn(
  open: () => sharp.Sharp,
  width: number,
  height: number,
  boxes: LabelledBox[],
  outputType: string,
): Promise<Buffer> {
  const pipeline = open()
    .autoOrient()
    .composite([{ input: boxesSvg(width, height, boxes), top: 0, left: 0 }]);
  switch (outputType) {
    case 'image/jpeg':
      return pipeline.jpeg({ quality: 90 }).toBuffer();
    case 'image/webp':
      return pipeline.webp({ quality: 90 }).toBuffer();
    default:
      return pipeline.png().toBuffer();
  }
}

function checkOutputType(modality: string, requested: string | undefined): string {
  const allowed = modality === 'image' ? IMAGE_TYPES : modality === 'text' ? TEXT_TYPES : undefined;
  if (!allowed) throw AdapterError.unprocessable(`${ADAPTER_ID} writes text or an image, not ${modality}`);
  if (requested === undefined) return allowed[0];
  const type = baseMediaType(requested);
  if (!allowed.includes(type)) {
    throw AdapterError.unprocessable(`${ADAPTER_ID} writes ${allowed.join(' or ')} ${modality}, not ${type}`);
  }
  return type;
}
