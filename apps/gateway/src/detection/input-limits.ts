import type { Detection } from '@omnigate/contracts';
import type { AppConfig } from '../config/app-config';
import { GatewayError } from '../errors/gateway-error';

type Limits = AppConfig['limits'];

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Refuses an input whose metadata says it is bigger than this server takes, before anything
 * decodes it: 413 `payload_too_large` naming the variable that sets the limit.
 */
export function checkInputLimits(detection: Detection, limits: Limits, index: number): void {
  const meta = detection.meta ?? {};
  const refuse = (variable: string, what: string, actual: number, max: number) => {
    throw new GatewayError(
      'payload_too_large',
      `inputs[${index}]: ${what} ${actual} is over ${variable}=${max}`,
      {
        input: index,
        limit: variable,
        max,
        actual,
      },
    );
  };
  switch (detection.modality) {
    case 'image': {
      const width = num(meta.width);
      const height = num(meta.height);
      if (width !== undefined && height !== undefined && width * height > limits.imagePixels) {
        refuse(
          'LIMIT_IMAGE_PIXELS',
          `image of ${width}×${height} pixels:`,
          width * height,
          limits.imagePixels,
        );
      }
      break;
    }
    case 'audio':
    case 'video': {
      const duration = num(meta.durationS);
      if (duration !== undefined && duration > limits.mediaDurationS) {
        refuse(
          'LIMIT_MEDIA_DURATION_S',
          `${detection.modality} duration (s)`,
          duration,
          limits.mediaDurationS,
        );
      }
      break;
    }
    case 'signal': {
      const samples = num(meta.samples);
      const channels = Array.isArray(meta.channels) ? meta.channels.length : num(meta.channels);
      if (samples !== undefined && channels !== undefined && samples * channels > limits.signalValues) {
        refuse('LIMIT_SIGNAL_VALUES', 'signal samples × channels', samples * channels, limits.signalValues);
      }
      break;
    }
    case 'pointcloud': {
      const points = num(meta.points);
      if (points !== undefined && points > limits.points)
        refuse('LIMIT_POINTS', 'point count', points, limits.points);
      break;
    }
    case 'text': {
      const length = num(meta.length);
      if (length !== undefined && length > limits.textChars) {
        refuse('LIMIT_TEXT_CHARS', 'text length (characters)', length, limits.textChars);
      }
      break;
    }
  }
}
