// A real TCP server that speaks AMI by replaying a recorded session: each action a client
// sends is matched (by its fields, ActionID and Events mask aside) to the recorded action,
// and the frames Asterisk sent after that one are replayed with the ActionIDs rewritten.
import net from 'node:net';
import tls from 'node:tls';
import { AmiFrameParser } from '../../../server/pbx/ami/framing.js';
import type { AmiMessage } from '../../../server/pbx/ami/message.js';
import type { AmiRecord } from './capture.js';

interface Exchange {
  sent: AmiMessage;
  replies: string[];
  closeAfter: boolean;
}

export interface FakeAmiOptions {
  /** Split each reply burst into writes of this many bytes (default: one write per burst). */
  chunkSize?: number;
  /** Serve AMI over TLS (amis://) with this key and certificate. */
  tls?: { key: string; cert: string };
}

interface Session {
  socket: net.Socket;
  loggedIn: boolean;
  /** Recorded ActionID -> the client's ActionID. */
  ids: Map<string, string>;
}

const IGNORED_KEYS = new Set(['actionid', 'events']);

function matchKey(message: AmiMessage): string {
  return message.fields
    .filter(([k]) => !IGNORED_KEYS.has(k.toLowerCase()))
    .map(([k, v]) => `${k.toLowerCase()}=${v}`)
    .sort()
    .join('\n');
}

export class FakeAmiServer {
  /** Every frame clients sent, in order, across connections. */
  readonly received: AmiMessage[] = [];
  /** Actions that matched no recorded exchange. */
  readonly unmatched: AmiMessage[] = [];
  connections = 0;
  /** When each refused connection attempt arrived (Date.now()). */
  readonly refusedAt: number[] = [];
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  private readonly exchanges = new Map<string, Exchange[]>();
  private readonly used = new Map<string, number>();
  private readonly swallowed = new Set<string>();
  private readonly banner: string;
  private refusing = false;

  private constructor(
    records: readonly AmiRecord[],
    private readonly options: FakeAmiOptions,
  ) {
    const banner = records.find((r) => r.kind === 'banner');
    this.banner = banner?.kind === 'banner' ? banner.wire : 'Asterisk Call Manager/11.0.0\r\n';
    let current: Exchange | null = null;
    for (const record of records) {
      if (record.kind === 'sent') {
        current = { sent: record.message, replies: [], closeAfter: false };
        const key = matchKey(record.message);
        this.exchanges.set(key, [...(this.exchanges.get(key) ?? []), current]);
      } else if (record.kind === 'received' && current) current.replies.push(record.wire);
      else if (record.kind === 'closed' && current) current.closeAfter = true;
      else if (record.kind === 'banner') current = null;
    }
    this.server = options.tls
      ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, (socket) => this.onConnection(socket))
      : net.createServer((socket) => this.onConnection(socket));
  }

  static async start(records: readonly AmiRecord[], options: FakeAmiOptions = {}): Promise<FakeAmiServer> {
    const fake = new FakeAmiServer(records, options);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** How many frames with `Action: name` clients sent. */
  count(action: string): number {
    return this.received.filter((m) => m.get('Action')?.toLowerCase() === action.toLowerCase()).length;
  }

  /** Stop answering this action (to provoke client timeouts). */
  swallow(action: string): void {
    this.swallowed.add(action.toLowerCase());
  }

  /** Close every client connection at once, as a crashing Asterisk would. */
  dropAll(): void {
    for (const session of this.sessions) session.socket.destroy();
  }

  /** While true, new connections are closed before the banner. */
  refuseConnections(refuse: boolean): void {
    this.refusing = refuse;
  }

  /** Sends recorded frames (wire text) to every logged-in client. */
  push(wires: readonly string[]): void {
    for (const session of this.sessions) if (session.loggedIn) this.write(session, wires);
  }

  get loggedInSessions(): number {
    return [...this.sessions].filter((s) => s.loggedIn).length;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: net.Socket): void {
    socket.on('error', () => undefined);
    if (this.refusing) {
      this.refusedAt.push(Date.now());
      socket.destroy();
      return;
    }
    this.connections += 1;
    const session: Session = { socket, loggedIn: false, ids: new Map() };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    const parser = new AmiFrameParser(1024 * 1024, false);
    socket.on('data', (chunk: Buffer) => {
      for (const item of parser.push(chunk)) if (item.kind === 'message') this.onAction(session, item.message);
    });
    socket.write(this.banner);
  }

  private onAction(session: Session, message: AmiMessage): void {
    this.received.push(message);
    const action = message.get('Action') ?? '';
    const actionId = message.actionId ?? '';
    if (this.swallowed.has(action.toLowerCase())) return;
    if (!session.loggedIn && action.toLowerCase() !== 'login') {
      this.write(session, [`Response: Error\r\nActionID: ${actionId}\r\nMessage: Permission denied\r\n\r\n`]);
      return;
    }
    const key = matchKey(message);
    const candidates = this.exchanges.get(key);
    if (!candidates) {
      this.unmatched.push(message);
      this.write(session, [`Response: Error\r\nActionID: ${actionId}\r\nMessage: fake AMI: no recorded exchange for ${action}\r\n\r\n`]);
      return;
    }
    const index = Math.min(this.used.get(key) ?? 0, candidates.length - 1);
    this.used.set(key, index + 1);
    const exchange = candidates[index]!;
    const recordedId = exchange.sent.actionId;
    if (recordedId) session.ids.set(recordedId, actionId);
    if (action.toLowerCase() === 'login' && exchange.replies[0]?.startsWith('Response: Success')) session.loggedIn = true;
    const replies = exchange.replies.map((wire) =>
      wire.replace(/^ActionID: (.*)\r$/gm, (line, id: string) => {
        const mapped = session.ids.get(id);
        return mapped === undefined ? line : `ActionID: ${mapped}\r`;
      }),
    );
    this.write(session, replies, exchange.closeAfter);
  }

  private write(session: Session, wires: readonly string[], closeAfter = false): void {
    const burst = Buffer.from(wires.join(''), 'utf8');
    const size = this.options.chunkSize;
    if (!size) {
      session.socket.write(burst);
    } else {
      for (let i = 0; i < burst.length; i += size) session.socket.write(burst.subarray(i, i + size));
    }
    if (closeAfter) session.socket.end();
  }
}
