// Reads the recordings in ../shared/asterisk/capture (AMI .txt and ARI .jsonl) and
// normalises what is random in them, so the fidelity tests compare like with like.
import { readFileSync } from 'node:fs';
import type { Frame } from './clients.js';

export const CAPTURE_DIR = process.env['CTI_CAPTURE_DIR'] ?? new URL('../../../shared/asterisk/capture/', import.meta.url).pathname;
export const CONFIG_DIR = new URL('../config/', `file://${CAPTURE_DIR}`).pathname;

export interface AmiEntry {
  kind: 'sent' | 'received' | 'banner' | 'closed';
  t: number;
  connection: number;
  frame: Frame;
}

export function readAmiCapture(file: string): AmiEntry[] {
  const text = readFileSync(`${CAPTURE_DIR}${file}`, 'utf8');
  const entries: AmiEntry[] = [];
  let connection = 1;
  let current: AmiEntry | undefined;
  for (const line of text.split('\n')) {
    const head = /^(>>> sent|<<< received|\*\*\* socket closed)\s+t=(\d+)(.*)$/.exec(line);
    if (head) {
      const t = Number(head[2]);
      const rest = head[3] ?? '';
      const banner = /banner, connection (\d+)/.exec(rest);
      if (head[1] === '*** socket closed') {
        entries.push({ kind: 'closed', t, connection, frame: [] });
        current = undefined;
        continue;
      }
      if (banner) {
        connection = Number(banner[1]);
        current = { kind: 'banner', t, connection, frame: [] };
      } else current = { kind: head[1] === '>>> sent' ? 'sent' : 'received', t, connection, frame: [] };
      entries.push(current);
      continue;
    }
    if (line.startsWith('###') || line.startsWith('# ')) {
      current = undefined;
      continue;
    }
    if (!current || line === '') continue;
    if (current.kind === 'banner') {
      current.frame.push(['banner', line]);
      continue;
    }
    const i = line.indexOf(':');
    current.frame.push(i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')]);
  }
  return entries;
}

export type AriEntry = Record<string, unknown> & { kind?: string; t: number };

export function readAriCapture(file: string): AriEntry[] {
  return readFileSync(`${CAPTURE_DIR}${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AriEntry);
}

/** Fields whose values are clock- or host-dependent. */
const VOLATILE = new Set([
  'Timestamp',
  'EventTV',
  'SessionTV',
  'SessionID',
  'RemoteAddress',
  'LocalAddress',
  'Uptime',
  'LastReload',
  'Duration',
  'timestamp',
  'creationtime',
  'date',
  'kernel',
  'startup_time',
  'last_reload_time',
  // Seconds of audio recorded: a Local channel carries none, a simulated one counts wall time.
  'duration',
]);

export const normaliseChannelName = (name: string): string => name.replace(/-[0-9a-f]{8}(;[12])?$/, '-XXXXXXXX$1');

/** Replaces every `from` token with `to` (whole tokens only), longest first. */
export function substituteTokens(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return text;
  const keys = [...map.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\;]/g, '\\$&')).join('|') + '(?![0-9])', 'g');
  return text.replace(re, (m) => map.get(m) ?? m);
}

export function normaliseAmiValue(key: string, value: string): string {
  if (VOLATILE.has(key)) return '<volatile>';
  // `core show version` names the build host.
  if (key === 'Output') return value.replace(/^(Asterisk \S+ built by) \S+ @ \S+/, '$1 <host>');
  return normaliseChannelName(value);
}

export function normaliseAri(value: unknown, key = ''): unknown {
  if (VOLATILE.has(key)) return '<volatile>';
  if (typeof value === 'string') return normaliseChannelName(value);
  if (Array.isArray(value)) return value.map((v) => normaliseAri(v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseAri(v, k);
    return out;
  }
  return value;
}
