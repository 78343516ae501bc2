// AMI over TCP: banner, Login/Logoff, event fan-out to logged-in sessions, bad input
// answered the way manager.c answers it. One Session per socket.
import net from 'node:net';
import type { Pbx } from '../core/pbx.js';
import type { AmiFields } from '../core/format.js';
import { AMI_BANNER, AMI_PRIVILEGE } from '../core/protocol.js';
import { FrameReader, header, parseHeaders, serialize, type Headers } from './frame.js';
import { runAction, type ActionEnv } from './actions.js';

const BAD_LOGIN_DELAY_MS = 1000;
/** Output queued beyond this is a stuck client: Asterisk drops it after writetimeout. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export interface AmiCredentials {
  username: string;
  secret: string;
}

export class Session {
  authenticated = false;
  events = true;
  closed = false;
  private readonly reader = new FrameReader();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: net.Socket,
    private readonly server: AmiServer,
  ) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.write(`${AMI_BANNER}\r\n`);
    socket.on('data', (chunk: string) => {
      for (const lines of this.reader.push(chunk)) {
        this.chain = this.chain.then(() => this.handle(lines)).catch((err: unknown) => this.server.onError(err));
      }
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private pending: string[] = [];

  send(fields: Headers): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_PENDING_BYTES) {
      this.socket.destroy();
      return;
    }
    this.queue(serialize(fields));
  }

  /** Frames written in one turn of the event loop leave in one write, in order. */
  queue(text: string): void {
    if (this.closed) return;
    if (this.pending.length === 0) {
      process.nextTick(() => {
        const out = this.pending.join('');
        this.pending = [];
        if (!this.closed && out) this.socket.write(out);
      });
    }
    this.pending.push(text);
  }

  respond(actionId: string | undefined, fields: Headers): void {
    const [first, ...rest] = fields;
    this.send(first ? [first, ...(actionId !== undefined ? ([['ActionID', actionId]] as Headers) : []), ...rest] : []);
  }

  close(): void {
    if (this.closed) return;
    const rest = this.pending.join('');
    this.pending = [];
    this.closed = true;
    this.server.sessions.delete(this);
    if (rest) this.socket.end(rest);
    else this.socket.end();
  }

  private async handle(lines: string[]): Promise<void> {
    if (this.closed) return;
    const h = parseHeaders(lines);
    const action = header(h, 'Action');
    const actionId = header(h, 'ActionID');
    if (action === undefined || action === '') {
      this.respond(actionId, [['Response', 'Error'], ['Message', 'Missing action in request']]);
      return;
    }
    const name = action.toLowerCase();
    if (name === 'login') return this.login(h, actionId);
    if (name === 'logoff') {
      this.respond(actionId, [['Response', 'Goodbye'], ['Message', 'Thanks for all the fish.']]);
      this.close();
      return;
    }
    if (!this.authenticated && name !== 'challenge') {
      this.respond(actionId, [['Response', 'Error'], ['Message', 'Permission denied']]);
      return;
    }
    await runAction(this.server.env, this, action, h, actionId);
  }

  private async login(h: Headers, actionId: string | undefined): Promise<void> {
    const creds = this.server.credentials;
    if (header(h, 'Username') !== creds.username || header(h, 'Secret') !== creds.secret) {
      await new Promise((r) => setTimeout(r, BAD_LOGIN_DELAY_MS));
      this.respond(actionId, [['Response', 'Error'], ['Message', 'Authentication failed']]);
      this.close();
      return;
    }
    const events = header(h, 'Events');
    if (events !== undefined) this.events = !/^(off|no|false|0)$/i.test(events);
    this.authenticated = true;
    this.respond(actionId, [['Response', 'Success'], ['Message', 'Authentication accepted']]);
    const pbx = this.server.env.pbx;
    this.send([
      ['Event', 'FullyBooted'],
      ['Privilege', AMI_PRIVILEGE.system],
      ['Uptime', String(Math.floor((pbx.now() - pbx.startedMs) / 1000))],
      ['LastReload', String(Math.floor((pbx.now() - pbx.lastReloadMs) / 1000))],
      ['Status', 'Fully Booted'],
    ]);
  }
}

export class AmiServer {
  readonly sessions = new Set<Session>();
  private server?: net.Server;
  private detach?: () => void;

  constructor(
    readonly env: ActionEnv,
    readonly credentials: AmiCredentials,
    readonly onError: (err: unknown) => void = () => {},
  ) {}

  get pbx(): Pbx {
    return this.env.pbx;
  }

  async listen(host: string, port: number): Promise<number> {
    const server = net.createServer((socket) => this.sessions.add(new Session(socket, this)));
    this.server = server;
    this.detach = this.env.pbx.addSink({ ami: (frame) => this.broadcast(frame) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  private broadcast(frame: AmiFields): void {
    if (this.sessions.size === 0) return;
    let text: string | undefined;
    for (const s of this.sessions) {
      if (!s.authenticated || !s.events || s.closed) continue;
      text ??= serialize(frame);
      if (s.socket.writableLength > MAX_PENDING_BYTES) s.socket.destroy();
      else s.queue(text);
    }
  }

  async close(): Promise<void> {
    this.detach?.();
    for (const s of [...this.sessions]) {
      s.socket.destroy();
      s.close();
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
