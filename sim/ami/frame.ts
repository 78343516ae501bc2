// AMI framing: `Key: Value\r\n` lines, a blank line ends a frame. Limits follow
// manager.c: a line over 1024 bytes is dropped, at most 128 headers a message.

export const MAX_LINE_BYTES = 1024;
export const MAX_HEADERS = 128;

export type Headers = Array<[string, string]>;

export class FrameReader {
  private buffer = '';
  private lines: string[] = [];

  /** Feeds bytes; returns the complete frames (each as raw lines). */
  push(chunk: string): string[][] {
    this.buffer += chunk;
    const frames: string[][] = [];
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0) {
        if (this.buffer.length > MAX_LINE_BYTES) this.buffer = '';
        break;
      }
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.length > MAX_LINE_BYTES) continue;
      if (line === '') {
        if (this.lines.length > 0) frames.push(this.lines);
        this.lines = [];
      } else if (this.lines.length < MAX_HEADERS) this.lines.push(line);
    }
    return frames;
  }
}

export function parseHeaders(lines: string[]): Headers {
  const out: Headers = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export function header(h: Headers, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of h) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function headersAll(h: Headers, key: string): string[] {
  const lower = key.toLowerCase();
  return h.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
}

export function serialize(fields: Headers): string {
  let out = '';
  for (const [k, v] of fields) out += `${k}: ${v}\r\n`;
  return `${out}\r\n`;
}
