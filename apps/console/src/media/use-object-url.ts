import { useEffect, useState } from 'preact/hooks';

/** An object URL for `blob` while the component shows it, revoked after. */
export function useObjectUrl(blob: Blob): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(blob);
    setUrl(u);
    return () => {
      setUrl(undefined);
      URL.revokeObjectURL(u);
    };
  }, [blob]);
  return url;
}
