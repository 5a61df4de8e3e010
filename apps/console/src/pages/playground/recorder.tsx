import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Records from the microphone (MediaRecorder, audio/webm where the browser makes it) and hands
 * the recording over as a file when stopped. Shown only where the browser can record.
 */
export function Recorder({ onRecorded }: { onRecorded: (file: File) => void }) {
  const [recording, setRecording] = useState<MediaRecorder>();
  const [seconds, setSeconds] = useState(0);
  const [error, setError] = useState<string>();
  const done = useRef(onRecorded);
  done.current = onRecorded;
  useEffect(() => {
    if (!recording) return;
    const started = Date.now();
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 500);
    return () => clearInterval(timer);
  }, [recording]);
  useEffect(() => () => recording?.stop(), [recording]);
  if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) return null;

  const start = async () => {
    setError(undefined);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const type = MediaRecorder.isTypeSupported('audio/webm') ? 'audio/webm' : '';
      const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        setRecording(undefined);
        const mediaType = (recorder.mimeType || 'audio/webm').split(';')[0];
        const stamp = new Date().toTimeString().slice(0, 8).replaceAll(':', '-');
        if (chunks.length) done.current(new File(chunks, `recording-${stamp}.webm`, { type: mediaType }));
      };
      recorder.start();
      setSeconds(0);
      setRecording(recorder);
    } catch (err) {
      setError(`The microphone could not be used (${(err as Error).message}).`);
    }
  };
  return (
    <>
      {recording ? (
        <button type="button" class="contrast" onClick={() => recording.stop()}>
          Stop recording ({seconds} s)
        </button>
      ) : (
        <button type="button" class="outline secondary" onClick={() => void start()}>
          Record from microphone
        </button>
      )}
      {error && <small role="status">{error}</small>}
    </>
  );
}
