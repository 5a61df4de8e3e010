import { useState } from 'preact/hooks';
import type { RendererProps } from './media-view';
import { useObjectUrl } from './use-object-url';

/** An image fitted to the page, or at 1:1 (scrollable) by a click or the Zoom button. */
export function ImageView({ blob, mediaType, name }: RendererProps) {
  const url = useObjectUrl(blob);
  const [actual, setActual] = useState(false);
  const [size, setSize] = useState<{ w: number; h: number }>();
  const [failed, setFailed] = useState(false);
  if (failed) return <p class="media-note">This browser cannot show {mediaType}: download it to see it.</p>;
  const toggle = () => setActual((a) => !a);
  return (
    <div class="image-view">
      <div class="media-tools">
        <button type="button" class="outline secondary small" aria-pressed={actual} onClick={toggle}>
          {actual ? 'Fit' : 'Zoom 1:1'}
        </button>
        {size && (
          <small>
            {size.w} × {size.h} px
          </small>
        )}
      </div>
      <div class={actual ? 'image-frame actual' : 'image-frame fit'}>
        {url && (
          <img
            src={url}
            alt={name}
            title={actual ? 'Click to fit' : 'Click for 1:1'}
            onClick={toggle}
            onLoad={(e) => setSize({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
            onError={() => setFailed(true)}
          />
        )}
      </div>
    </div>
  );
}
