import { AmiProtocolError } from './errors.js';
import { type AmiMessage, parseFrameLines } from './message.js';
import { AMI_BANNER_PREFIX } from './protocol.js';

export type AmiChunkItem = { kind: 'banner'; banner: string } | { kind: 'message'; message: AmiMessage };

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const LF_LF = Buffer.from('\n\n');

/**
 * Splits a byte stream into AMI frames. Chunks may end anywhere (inside a line, inside
 * a UTF-8 character) and may hold several frames; a frame ends at the first blank line.
 * The banner is the single line Asterisk sends first, with no blank line after it.
 */
export class AmiFrameParser {
  private buffer: Buffer = Buffer.alloc(0);
  private awaitingBanner: boolean;

  constructor(
    private readonly maxFrameBytes = 1024 * 1024,
    expectBanner = true,
  ) {
    this.awaitingBanner = expectBanner;
  }

  /** Feeds bytes; returns what became complete. Throws AmiProtocolError when a frame outgrows the bound. */
  push(chunk: Buffer | string): AmiChunkItem[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    const out: AmiChunkItem[] = [];

    if (this.awaitingBanner) {
      const eol = this.buffer.indexOf(0x0a);
      if (eol < 0) {
        this.checkBound();
        return out;
      }
      const line = this.buffer.subarray(0, eol).toString('utf8').replace(/\r$/, '');
      if (!line.startsWith(AMI_BANNER_PREFIX)) {
        throw new AmiProtocolError(`expected the AMI banner "${AMI_BANNER_PREFIX}...", got ${JSON.stringify(line.slice(0, 80))}`);
      }
      this.buffer = this.buffer.subarray(eol + 1);
      this.awaitingBanner = false;
      out.push({ kind: 'banner', banner: line });
    }

    for (;;) {
      const { index, length } = this.findFrameEnd();
      if (index < 0) break;
      const text = this.buffer.subarray(0, index).toString('utf8');
      this.buffer = this.buffer.subarray(index + length);
      const lines = text.split(/\r?\n/);
      if (lines.every((l) => l === '')) continue;
      out.push({ kind: 'message', message: parseFrameLines(lines) });
    }
    this.checkBound();
    return out;
  }

  private findFrameEnd(): { index: number; length: number } {
    // Leading blank lines between frames are skipped rather than read as empty frames.
    while (this.buffer.length >= 2 && this.buffer[0] === 0x0d && this.buffer[1] === 0x0a) this.buffer = this.buffer.subarray(2);
    while (this.buffer.length >= 1 && this.buffer[0] === 0x0a) this.buffer = this.buffer.subarray(1);
    const crlf = this.buffer.indexOf(CRLF_CRLF);
    // Asterisk frames end in CRLF CRLF: a bare LF LF only counts before that, so it is
    // looked for there, not across every frame still buffered behind it.
    const lf = (crlf < 0 ? this.buffer : this.buffer.subarray(0, crlf)).indexOf(LF_LF);
    if (crlf < 0 && lf < 0) return { index: -1, length: 0 };
    if (lf >= 0 && (crlf < 0 || lf < crlf)) return { index: lf, length: 2 };
    return { index: crlf, length: 4 };
  }

  private checkBound(): void {
    if (this.buffer.length > this.maxFrameBytes) {
      const size = this.buffer.length;
      this.buffer = Buffer.alloc(0);
      throw new AmiProtocolError(`an AMI frame exceeded ${this.maxFrameBytes} bytes (${size} buffered without a blank line)`);
    }
  }
}
