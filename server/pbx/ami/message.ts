import { AMI_KEYS } from './protocol.js';

export type AmiField = readonly [key: string, value: string];

/** Fields of an outgoing action. An array value sends the key once per element (e.g. several `Variable:`). */
export type AmiActionFields = Record<string, string | number | boolean | readonly string[] | undefined>;

/**
 * One AMI frame as it came off the wire: fields in their order, duplicate keys kept
 * (several `Output:` or `Variable:` lines). Key lookup ignores case, as Asterisk does.
 */
export class AmiMessage {
  readonly fields: readonly AmiField[];

  constructor(fields: readonly AmiField[]) {
    this.fields = fields;
  }

  /** The first value of `key`, or undefined. */
  get(key: string): string | undefined {
    const wanted = key.toLowerCase();
    for (const [k, v] of this.fields) if (k.toLowerCase() === wanted) return v;
    return undefined;
  }

  /** Every value of `key`, in wire order. */
  all(key: string): string[] {
    const wanted = key.toLowerCase();
    return this.fields.filter(([k]) => k.toLowerCase() === wanted).map(([, v]) => v);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** `Event:` value for events, undefined for responses. */
  get event(): string | undefined {
    return this.get(AMI_KEYS.Event);
  }

  /** `Response:` value for responses (OriginateResponse events carry one too). */
  get response(): string | undefined {
    return this.get(AMI_KEYS.Response);
  }

  get actionId(): string | undefined {
    return this.get(AMI_KEYS.ActionID);
  }

  get isEvent(): boolean {
    return this.event !== undefined;
  }

  /** First value per key; convenient for logs and tests, lossy for duplicate keys. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.fields) if (!(k in out)) out[k] = v;
    return out;
  }
}

/** Parses the lines of one frame (without the blank line that ends it). */
export function parseFrameLines(lines: readonly string[]): AmiMessage {
  const fields: AmiField[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      // Not a header (older `Command` output is bare text): keep it, unnamed, in order.
      fields.push(['', line]);
      continue;
    }
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).replace(/^ /, '');
    fields.push([key, value]);
  }
  return new AmiMessage(fields);
}

/** Serializes an action; CR and LF inside values are refused because they would split the frame. */
export function serializeAction(action: string, actionId: string, fields: AmiActionFields): string {
  const lines = [`${AMI_KEYS.Action}: ${action}`, `${AMI_KEYS.ActionID}: ${actionId}`];
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined) continue;
    if (/^(action|actionid)$/i.test(key)) throw new TypeError(`AMI field ${key} is set by the client; do not pass it.`);
    const values = Array.isArray(raw) ? raw : [String(raw)];
    for (const value of values) {
      if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) {
        throw new TypeError(`AMI field ${JSON.stringify(key)} must not contain line breaks.`);
      }
      lines.push(`${key}: ${value}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
