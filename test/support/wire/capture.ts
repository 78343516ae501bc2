// Readers for the recorded Asterisk traffic in ../shared/asterisk/capture/. The wire
// fakes replay these records; nothing here retypes a frame.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AmiMessage, parseFrameLines } from '../../../server/pbx/ami/message.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The capture folder: CTI_ASTERISK_CAPTURE, or ../shared/asterisk/capture next to the repository. */
export const CAPTURE_DIR = process.env.CTI_ASTERISK_CAPTURE ?? resolve(repoRoot, '../shared/asterisk/capture');

export const captureAvailable = (): boolean => existsSync(join(CAPTURE_DIR, 'ami-session.raw'));

export const readCapture = (file: string): string => readFileSync(join(CAPTURE_DIR, file), 'utf8');

export type AmiRecord =
  | { kind: 'banner'; t: number; banner: string; wire: string }
  | { kind: 'received'; t: number; message: AmiMessage; wire: string }
  | { kind: 'sent'; t: number; message: AmiMessage; wire: string }
  | { kind: 'closed'; t: number }
  | { kind: 'note'; t: number; text: string };

const HEADER = /^(<<< received|>>> sent|### note|\*\*\* socket closed)\s+t=(\d+)\s*(.*)$/;

/**
 * Parses an `ami-*.raw` (real CRLF) or `ami-*.txt` (CRLF shown as LF) capture into records.
 * `wire` is the frame as Asterisk sent it: CRLF lines and the blank CRLF line that ends it
 * (the banner is one CRLF line with no blank line after it).
 */
export function parseAmiCapture(text: string): AmiRecord[] {
  const lines = text.split('\n');
  const records: AmiRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    const header = HEADER.exec(lines[i]!.replace(/\r$/, ''));
    i += 1;
    if (!header) continue;
    const [, marker, t, rest] = header;
    const at = Number(t);
    if (marker === '### note') {
      records.push({ kind: 'note', t: at, text: rest!.trim() });
      continue;
    }
    if (marker === '*** socket closed') {
      records.push({ kind: 'closed', t: at });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length && lines[i]!.replace(/\r$/, '') !== '' && !HEADER.test(lines[i]!)) {
      body.push(lines[i]!.replace(/\r$/, ''));
      i += 1;
    }
    if (body.length === 0) continue;
    if (marker === '<<< received' && rest!.includes('banner')) {
      records.push({ kind: 'banner', t: at, banner: body[0]!, wire: `${body[0]}\r\n` });
      continue;
    }
    const wire = `${body.map((l) => `${l}\r\n`).join('')}\r\n`;
    const message = parseFrameLines(body);
    records.push(marker === '>>> sent' ? { kind: 'sent', t: at, message, wire } : { kind: 'received', t: at, message, wire });
  }
  return records;
}

/** The received frames of a capture that are events named `event`. */
export function capturedEvents(records: readonly AmiRecord[], event: string): Array<{ message: AmiMessage; wire: string }> {
  return records.flatMap((r) => (r.kind === 'received' && r.message.event === event ? [{ message: r.message, wire: r.wire }] : []));
}

export interface AriRestRecord {
  kind: 'rest';
  t: number;
  method: string;
  path: string;
  query: Record<string, string>;
  auth: string;
  status: number;
  status_text: string;
  headers: Record<string, string>;
  body?: unknown;
  body_text?: string;
}

export interface AriWsRecord {
  kind: 'ws';
  t: number;
  msg: unknown;
}

export interface AriCapture {
  rest: AriRestRecord[];
  ws: AriWsRecord[];
}

export function parseAriCapture(text: string): AriCapture {
  const rest: AriRestRecord[] = [];
  const ws: AriWsRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { kind?: string };
    if (record.kind === 'rest') rest.push(record as AriRestRecord);
    else if (record.kind === 'ws') ws.push(record as AriWsRecord);
  }
  return { rest, ws };
}

export const ARI_CAPTURE_FILES = [
  'rest-basics.jsonl',
  'ari-flow-agent-busy.jsonl',
  'ari-flow-agent-no-answer.jsonl',
  'ari-flow-app-not-registered.jsonl',
  'ari-flow-caller-hangup-during-playback.jsonl',
  'ari-flow-device-state.jsonl',
  'ari-flow-inbound-bridged.jsonl',
  'ari-flow-moh-and-record.jsonl',
  'ari-flow-queue.jsonl',
  'ari-flow-wrong-state.jsonl',
] as const;
