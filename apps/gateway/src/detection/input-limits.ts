import { INPUT_LIMIT_VARIABLES, type InputLimits } from '@omnigate/adapters';
import type { Detection } from '@omnigate/contracts';
import { GatewayError } from '../errors/gateway-error';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Refuses an input whose metadata says it is bigger than this server takes, before anything
 * decodes it: 413 `payload_too_large` naming the variable that sets the limit.
 */
export function checkInputLimits(detection: Detection, limits: InputLimits, index: number): void {
  const meta = detection.meta ?? {};
  const check = (limit: keyof InputLimits, what: string, actual: number | undefined) => {
    const max = limits[limit];
    if (actual === undefined || actual <= max) return;
    const variable = INPUT_LIMIT_VARIABLES[limit];
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
  const product = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined ? a * b : undefined;
  switch (detection.modality) {
    case 'image': {
      const width = num(meta.width);
      const height = num(meta.height);
      check('imagePixels', `image of ${width}×${height} pixels:`, product(width, height));
      break;
    }
    case 'audio':
    case 'video':
      check('mediaDurationS', `${detection.modality} duration (s)`, num(meta.durationS));
      break;
    case 'signal': {
      const channels = Array.isArray(meta.channels) ? meta.channels.length : num(meta.channels);
      check('signalValues', 'signal samples × channels', product(num(meta.samples), channels));
      break;
    }
    case 'pointcloud':
      check('points', 'point count', num(meta.points));
      break;
    case 'text':
      check('textChars', 'text length (characters)', num(meta.length));
      break;
  }
}
