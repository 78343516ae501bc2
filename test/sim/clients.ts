// Raw protocol clients for the simulator tests: AMI on node:net, ARI on fetch + ws.
import net from 'node:net';
import WebSocket from 'ws';

export type Frame = Array<[string, string]>;

export const get = (f: Frame, key: string): string | undefined => f.find(([k]) => k === key)?.[1];

/** Waits until `test` finds something among `items` (checked on every push). */
class Collector<T> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  wait<R>(what: string, test: (items: T[]) => R | undefined, timeoutMs = 5000): Promise<R> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const r = test(this.items);
        if (r === undefined) return false;
        this.waiters = this.waiters.filter((w) => w !== check);
        clearTimeout(timer);
        resolve(r);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }
}

export class RawAmi {
  readonly frames = new Collector<Frame>();
  banner = '';
  closed = false;
  private buffer = '';
  private seq = 0;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.frames.push([['*closed*', '']]);
    });
  }

  private onBanner?: () => void;

  /** Resolves once the banner has arrived. */
  static connect(port: number): Promise<RawAmi> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const ami = new RawAmi(socket);
      socket.once('error', reject);
      ami.onBanner = () => resolve(ami);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (!this.banner) {
      const nl = this.buffer.indexOf('\r\n');
      if (nl < 0) return;
      this.banner = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      this.onBanner?.();
    }
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      this.frames.push(text.split('\r\n').map((l): [string, string] => {
        const i = l.indexOf(': ');
        return i < 0 ? [l.replace(/:$/, ''), ''] : [l.slice(0, i), l.slice(i + 2)];
      }));
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Sends an action and resolves with its response frame. */
  async action(fields: Record<string, string>, timeoutMs = 5000): Promise<Frame> {
    const id = fields['ActionID'] ?? `t-${++this.seq}`;
    let text = '';
    for (const [k, v] of Object.entries({ ...fields, ActionID: id })) text += `${k}: ${v}\r\n`;
    this.write(`${text}\r\n`);
    return this.frames.wait(`response to ${fields['Action'] ?? '?'}`, (fs) => fs.find((f) => get(f, 'ActionID') === id && get(f, 'Response') !== undefined), timeoutMs);
  }

  async login(username = 'cti', secret = 'cti'): Promise<Frame> {
    return this.action({ Action: 'Login', Username: username, Secret: secret });
  }

  events(name?: string): Frame[] {
    return this.frames.items.filter((f) => f[0]?.[0] === 'Event' && (name === undefined || f[0][1] === name));
  }

  waitEvent(name: string, test: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    return this.frames.wait(`AMI ${name}`, (fs) => fs.find((f) => get(f, 'Event') === name && test(f)), timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

export type AriMessage = Record<string, unknown> & { type: string };

export class RawAri {
  readonly events = new Collector<AriMessage>();
  ws?: WebSocket;

  constructor(
    readonly port: number,
    readonly user = 'cti',
    readonly secret = 'cti',
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}/ari`;
  }

  connect(app = 'cti', extra = ''): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ari/events?app=${app}&api_key=${this.user}:${this.secret}${extra}`);
    this.ws = ws;
    ws.on('message', (m: Buffer) => this.events.push(JSON.parse(m.toString()) as AriMessage));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  async request(method: string, path: string, query: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: unknown; text: string }> {
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${this.base}${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: {
        Authorization: `Basic ${Buffer.from(`${this.user}:${this.secret}`).toString('base64')}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  waitEvent(type: string, test: (e: AriMessage) => boolean = () => true, timeoutMs = 5000): Promise<AriMessage> {
    return this.events.wait(`ARI ${type}`, (es) => es.find((e) => e.type === type && test(e)), timeoutMs);
  }

  close(): void {
    this.ws?.close();
  }
}

export const channelName = (e: AriMessage): string | undefined => (e['channel'] as { name?: string } | undefined)?.name;
export const channelId = (e: AriMessage): string | undefined => (e['channel'] as { id?: string } | undefined)?.id;
