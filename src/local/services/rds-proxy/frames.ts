/**
 * Splits a protocol stream (after startup) into its messages: a type byte and a length that
 * counts itself. A message cut between two chunks waits for the next.
 */
export class FrameReader {
  private pending?: Buffer;

  /** The complete messages so far: `[type, start, end]` offsets into the returned buffer. */
  public read(chunk: Buffer): { buffer: Buffer; frames: Array<[number, number, number]> } {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Array<[number, number, number]> = [];
    let at = 0;
    while (buffer.length - at >= 5) {
      const end = at + 1 + buffer.readUInt32BE(at + 1);
      if (end > buffer.length) break;
      frames.push([buffer[at], at, end]);
      at = end;
    }
    this.pending = at < buffer.length ? buffer.subarray(at) : undefined;
    return { buffer, frames };
  }

  /** The bytes of an incomplete message, handed over (the reader forgets them). */
  public take(): Buffer {
    const rest = this.pending ?? Buffer.alloc(0);
    this.pending = undefined;
    return rest;
  }
}
