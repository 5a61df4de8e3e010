/** One frame as ffmpeg's `metadata=print` filter writes it: its time and the value of the printed key. */
export interface FrameValue {
  timeS: number;
  value: number;
}

/**
 * Reads what `metadata=mode=print:key=<key>:file=...` wrote: a `frame:N pts:P pts_time:T` line
 * per frame, then `<key>=<value>`. Frames without the key, or with a value that is not a number,
 * are left out.
 */
export function parseFrameMetadata(text: string, key: string): FrameValue[] {
  const frames: FrameValue[] = [];
  let timeS: number | undefined;
  for (const line of text.split('\n')) {
    const time = /^frame:\d+\s+pts:\S+\s+pts_time:(\S+)/.exec(line);
    if (time) {
      timeS = Number(time[1]);
      continue;
    }
    if (timeS === undefined || !line.startsWith(`${key}=`)) continue;
    const value = Number(line.slice(key.length + 1));
    if (Number.isFinite(value) && Number.isFinite(timeS)) frames.push({ timeS, value });
    timeS = undefined;
  }
  return frames;
}
