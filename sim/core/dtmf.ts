// DTMF arriving on a channel: AMI DTMFBegin/End, ARI ChannelDtmfReceived, and the
// dialplan's digit reader if one is waiting.
import type { Channel } from './model.js';
import type { Pbx } from './pbx.js';
import { amiChannel } from './format.js';

const DTMF_PRIVILEGE = 'dtmf,all';
const DTMF_DURATION_MS = 100;
const SCRIPT_START_MS = 10;
const SCRIPT_GAP_MS = 30;
export const DTMF_DIGITS = /^[0-9A-D*#]$/;

export function receiveDtmf(pbx: Pbx, ch: Channel, digit: string): void {
  if (ch.hungup) return;
  pbx.amiEvent('DTMFBegin', DTMF_PRIVILEGE, [...amiChannel(ch), ['Digit', digit], ['Direction', 'Received']]);
  pbx.amiEvent('DTMFEnd', DTMF_PRIVILEGE, [
    ...amiChannel(ch),
    ['Digit', digit],
    ['DurationMs', String(DTMF_DURATION_MS)],
    ['Direction', 'Received'],
  ]);
  if (ch.stasis) pbx.ariChannelEvent(ch, 'ChannelDtmfReceived', { digit, duration_ms: DTMF_DURATION_MS });
  ch.recording?.keyed?.(digit);
  ch.digitSink?.(digit);
}

/** Keys `digits` one by one, `gapMs` apart, as a caller would. */
export function keyDigits(pbx: Pbx, ch: Channel, digits: string, gapMs: number, startMs = gapMs): void {
  [...digits].forEach((d, i) => {
    const t = setTimeout(() => receiveDtmf(pbx, ch, d), startMs + i * gapMs);
    ch.abort.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
  });
}

/**
 * Collects digits until `max`, the terminator, or `timeoutMs` of silence. A scripted
 * caller keys its next entry now; without a script it listens for real DTMF.
 */
export function collectDigits(
  pbx: Pbx,
  ch: Channel,
  opts: { max: number; timeoutMs: number; terminator?: string; askScript?: boolean },
): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      if (timer) clearTimeout(timer);
      ch.digitSink = undefined;
      ch.abort.signal.removeEventListener('abort', finish);
      resolve(got);
    };
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(finish, opts.timeoutMs);
    };
    ch.digitSink = (d) => {
      if (opts.terminator && d === opts.terminator) return finish();
      got += d;
      if (got.length >= opts.max) finish();
      else arm();
    };
    ch.abort.signal.addEventListener('abort', finish, { once: true });
    const scripted = opts.askScript !== false ? ch.scriptedInput?.() : undefined;
    if (scripted) {
      // A scripted caller keys promptly; the prompt's timeout still bounds the wait.
      timer = setTimeout(finish, Math.max(opts.timeoutMs, SCRIPT_START_MS + scripted.length * SCRIPT_GAP_MS * 2));
      keyDigits(pbx, ch, scripted, SCRIPT_GAP_MS, SCRIPT_START_MS);
    } else arm();
  });
}
