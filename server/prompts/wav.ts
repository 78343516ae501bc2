// Reads the header of a RIFF/WAVE file: enough to check that a clip is what
// Asterisk plays natively and how long it lasts, without any tool.
import { open } from 'node:fs/promises';

export interface WavInfo {
  /** 1 = PCM. */
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  durationMs: number;
}

const HEADER_BYTES = 4096;

export function parseWavHeader(buffer: Buffer): WavInfo {
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF' || buffer.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('Not a RIFF/WAVE file.');
  }
  let offset = 12;
  let format: Omit<WavInfo, 'dataBytes' | 'durationMs'> | null = null;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= buffer.length) {
      format = {
        audioFormat: buffer.readUInt16LE(body),
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAVE file has its data chunk before the fmt chunk.');
      const bytesPerSecond = format.sampleRate * format.channels * (format.bitsPerSample / 8);
      return { ...format, dataBytes: size, durationMs: bytesPerSecond ? Math.round((size / bytesPerSecond) * 1000) : 0 };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAVE file has no data chunk in its first 4 KiB.');
}

export async function readWavHeader(path: string): Promise<WavInfo> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return parseWavHeader(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
