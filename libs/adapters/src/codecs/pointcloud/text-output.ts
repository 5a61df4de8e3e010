/** Characters joined into one string before it becomes bytes. */
const CHUNK_CHARS = 1 << 24;

/**
 * Text written a line at a time into one Buffer, joined a chunk at a time: one string of the
 * whole output would pass V8's limit of 2^29 characters for a cloud of a few million points.
 */
export class TextOutput {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(private readonly encoding: 'latin1' | 'utf8') {}

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= CHUNK_CHARS) this.flush();
  }

  toBuffer(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }

  private flush(): void {
    this.chunks.push(Buffer.from(this.pending.join(''), this.encoding));
    this.pending = [];
    this.pendingChars = 0;
  }
}
