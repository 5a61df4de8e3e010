import type { ComponentType } from 'preact';
import { useMemo } from 'preact/hooks';
import { download } from '../api';
import { AudioView } from './audio-view';
import { ImageView } from './image-view';
import { formatBytes, pickRenderer, type RendererKind } from './pick-renderer';
import { PointCloudView } from './pointcloud/pointcloud-view';
import { SignalView } from './signal/signal-view';
import { TextView } from './text-view';
import { VideoView } from './video-view';
import './media.css';

/** A piece of media the console shows: an input before it is sent, or an output of a job. */
export interface MediaItem {
  blob: Blob;
  /** Its media type (`image/png`, `text/csv`...); the blob's own type when absent. */
  mediaType?: string;
  /** Its modality as the gateway detected or produced it (`text`, `image`, `audio`, `video`, `signal`, `pointcloud`, or a registered one). */
  modality?: string;
  /** A file name for downloads. */
  name?: string;
  /**
   * What the gateway's detection said of it (`meta`), when known: hints a file alone may not
   * carry (a headerless signal's sample rate, its channel names).
   */
  meta?: Record<string, unknown>;
}

/** What a renderer gets: the bytes typed as `mediaType`, and the item they came from. */
export interface RendererProps {
  blob: Blob;
  mediaType: string;
  name: string;
  meta?: Record<string, unknown>;
}

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/json': 'json',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'audio/wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/webm': 'webm',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'application/x-pcd': 'pcd',
  'application/x-ply': 'ply',
  'application/edf': 'edf',
};

/** `output.png` for an item without a name: a download still gets a sensible file name. */
function defaultName(mediaType: string): string {
  const ext = EXTENSIONS[mediaType] ?? mediaType.split('/')[1]?.replace(/^x-/, '').split(/[+;]/)[0] ?? 'bin';
  return `output.${ext || 'bin'}`;
}

const RENDERERS: Record<Exclude<RendererKind, 'file'>, ComponentType<RendererProps>> = {
  text: TextView,
  image: ImageView,
  audio: AudioView,
  video: VideoView,
  signal: SignalView,
  pointcloud: PointCloudView,
};

/**
 * Shows `item` as what it is, chosen by its modality, else its media type: text (copy), image
 * (fit or 1:1), audio (player and waveform), video (player), signal (multi-channel plot with zoom
 * and channel toggles), point cloud (3-D viewer); anything else as its name, type and size.
 * Every item can be downloaded as it is. Heavy libraries (three.js, uPlot, wavesurfer.js) load
 * only when a renderer needs them.
 */
export function MediaView({ item }: { item: MediaItem }) {
  const mediaType = (item.mediaType ?? item.blob.type) || 'application/octet-stream';
  const name = item.name ?? defaultName(mediaType);
  const kind = pickRenderer(item.modality, mediaType, name);
  const blob = useMemo(
    () => (item.blob.type === mediaType ? item.blob : new Blob([item.blob], { type: mediaType })),
    [item.blob, mediaType],
  );
  const Renderer = kind === 'file' ? undefined : RENDERERS[kind];
  return (
    <figure class="media-view" data-modality={item.modality ?? kind} data-renderer={kind}>
      {Renderer && <Renderer blob={blob} mediaType={mediaType} name={name} meta={item.meta} />}
      <figcaption>
        <span class="media-facts">
          <strong class="media-name">{name}</strong>
          <span>{item.modality ?? 'unknown modality'}</span>
          <span>{mediaType}</span>
          <span>{formatBytes(item.blob.size)}</span>
        </span>
        <button
          type="button"
          class="outline small"
          aria-label={`Download ${name}`}
          onClick={() => download(item.blob, name)}
        >
          Download
        </button>
      </figcaption>
    </figure>
  );
}
