import { useState } from 'preact/hooks';
import type { RendererProps } from './media-view';
import { useObjectUrl } from './use-object-url';

/** A video in the browser's own player; a format the browser cannot play is said so. */
export function VideoView({ blob, mediaType, name }: RendererProps) {
  const url = useObjectUrl(blob);
  const [failed, setFailed] = useState(false);
  if (failed) return <p class="media-note">This browser cannot play {mediaType}: download it to watch it.</p>;
  if (!url) return null;
  return (
    <video
      class="video-view"
      src={url}
      controls
      preload="auto"
      aria-label={`Video ${name}`}
      onError={() => setFailed(true)}
    />
  );
}
