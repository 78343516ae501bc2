// Wire formats of time and ids, as Asterisk prints them.

export function amiTimestamp(ms: number): string {
  const micros = Math.floor((ms % 1000) * 1000);
  return `${Math.floor(ms / 1000)}.${String(micros).padStart(6, '0')}`;
}

/** `2026-11-23T08:21:51.401+0000` */
export function ariTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** `HH:MM:SS` as CoreShowChannel's Duration. */
export function hms(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Uniqueids `<epoch>.<seq>` and 8-hex channel suffixes, one sequence each like Asterisk. */
export class IdSource {
  private uniqueSeq = 0;
  private suffixSeq = 0;

  uniqueid(nowMs: number): string {
    return `${Math.floor(nowMs / 1000)}.${this.uniqueSeq++}`;
  }

  suffix(): string {
    this.suffixSeq = (this.suffixSeq + 1) % 0x1_0000_0000;
    return this.suffixSeq.toString(16).padStart(8, '0');
  }
}

/** Resolves after `ms`, or rejects with HangupSignal when the signal aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new HangupSignal());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HangupSignal());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class HangupSignal extends Error {
  constructor() {
    super('channel hung up');
  }
}
