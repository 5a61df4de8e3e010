import { useEffect, useState } from 'preact/hooks';
import { download } from '../api';

/** A piece of media the console shows: an input before it is sent, or an output of a job. */
export interface MediaItem {
  blob: Blob;
  /** Its media type (`image/png`, `text/csv`...); the blob's own type when absent. */
  mediaType?: string;
  /** Its modality as the gateway detected or produced it (`text`, `image`, `audio`, `video`, `signal`, `pointcloud`, or a registered one). */
  modality?: string;
  /** A file name for downloads. */
  name?: string;
}

/**
 * Shows `item` as what it is, with a download button. (Placeholder: every modality as a link;
 * the renderers of issue 15 replace it: text with copy, image zoom, audio waveform, video, signal
 * plot, 3-D point cloud.)
 */
export function MediaView({ item }: { item: MediaItem }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(item.blob);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [item.blob]);
  const name = item.name ?? 'output';
  return (
    <figure class="media-view" data-modality={item.modality}>
      {url && <a href={url}>{name}</a>}
      <figcaption>
        {item.modality ?? 'unknown'} · {item.mediaType ?? item.blob.type} · {item.blob.size} bytes{' '}
        <button type="button" class="outline small" onClick={() => download(item.blob, name)}>
          Download
        </button>
      </figcaption>
    </figure>
  );
}
