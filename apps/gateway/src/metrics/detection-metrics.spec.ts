import { describe, expect, it } from 'vitest';
import { samples } from '../../../../test/metrics-samples';
import { GatewayMetrics } from './gateway-metrics';

describe('detection metrics', () => {
  it('count inputs by detected modality (an unknown one as other) and refusals by code', async () => {
    const metrics = new GatewayMetrics(new Map(), false);
    const observer = metrics.detection.observer((m) => ['text', 'image'].includes(m));
    observer.detected('text');
    observer.detected('image');
    observer.detected('text');
    observer.detected('gone.lidar');
    observer.detected('another.unregistered');
    observer.refused('unsupported_media');
    observer.refused('payload_too_large');
    observer.refused('unsupported_media');
    const text = await metrics.scrape();
    const s = samples(text);
    expect(s.get('omnigate_detection_inputs_total{modality="text"}')).toBe(2);
    expect(s.get('omnigate_detection_inputs_total{modality="image"}')).toBe(1);
    expect(s.get('omnigate_detection_inputs_total{modality="other"}')).toBe(2);
    expect(s.get('omnigate_detection_refusals_total{code="unsupported_media"}')).toBe(2);
    expect(s.get('omnigate_detection_refusals_total{code="payload_too_large"}')).toBe(1);
    expect(text).not.toContain('lidar');
  });
});
