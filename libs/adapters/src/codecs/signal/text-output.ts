import { AdapterError } from '../../sdk/adapter-error';

/** Text gathered into this many characters before it becomes bytes. */
const CHUNK_CHARS = 1 << 16;

/**
 * UTF-8 text written piece by piece into buffers of bounded size, refused as soon as it grows
 * past `maxBytes`: a writer's output never becomes one huge string (V8 caps a string at about
 * 2^29 characters) or an array of one string per row.
 */
export class TextOutput {
  private readonly chunks: Buffer[] = [];
  private pending = '';
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** What is written, for the refusal: "CSV", "JSON". */
    private readonly what: string,
  ) {}

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  toBuffer(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks, this.bytes);
  }

  private flush(): void {
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      throw new AdapterError(
        'payload_too_large',
        `the ${this.what} output would be over ${this.maxBytes} bytes; select fewer channels or samples`,
        { details: { maxBytes: this.maxBytes } },
      );
    }
    this.chunks.push(chunk);
  }
}
