// One simulated Asterisk: the core, the dialplan, and its AMI and ARI faces. A
// restart builds a new box on the same ports, so every call is gone, as after a crash.
import { readFileSync } from 'node:fs';
import { Pbx } from './core/pbx.js';
import { Telephony } from './core/calls.js';
import type { MediaCatalog } from './core/media.js';
import { Dialplan } from './dialplan/parse.js';
import { DialplanRunner } from './dialplan/run.js';
import { SimpleQueues } from './dialplan/queue.js';
import { AmiServer } from './ami/server.js';
import { AriServer } from './ari/server.js';
import type { AriEndpoint } from './ari/routes.js';
import { idleStateOf, type PhoneBook } from './scenario/phones.js';
import type { QueueMember } from './dialplan/queues-conf.js';

export interface BoxConfig {
  host: string;
  username: string;
  secret: string;
  dialplanFiles: string[];
  dialplanText?: string;
  phones: PhoneBook;
  media: MediaCatalog;
  queueMembers: Map<string, QueueMember[]>;
  onError: (err: unknown) => void;
}

export class Box {
  readonly pbx = new Pbx();
  readonly dialplan = new Dialplan();
  readonly tel: Telephony;
  readonly runner: DialplanRunner;
  readonly queues: SimpleQueues;
  private ami?: AmiServer;
  private ari?: AriServer;

  constructor(private readonly config: BoxConfig) {
    for (const file of config.dialplanFiles) this.dialplan.load(readFileSync(file, 'utf8'), file);
    if (config.dialplanText) this.dialplan.load(config.dialplanText, 'inline');
    for (const [k, v] of this.dialplan.globals) this.pbx.globals.set(k, v);
    const phones = config.phones;
    this.tel = new Telephony(this.pbx, {
      phoneFor: (device, number) => phones.phoneFor(device, number),
      hasExtension: (context, exten) => this.dialplan.match(context, exten) !== undefined,
      runDialplan: (ch, context, exten) => this.runner.start(ch, context, exten),
      originated: (endpoint) => phones.countOriginate(endpoint),
    });
    this.queues = new SimpleQueues(this.tel);
    for (const [q, members] of config.queueMembers) this.queues.configure(q, members);
    this.pbx.onDeviceState = (device, state) => this.queues.onDeviceState(device, state);
    this.runner = new DialplanRunner(this.tel, this.dialplan, config.media, this.queues);
    this.pbx.localDeviceValid = (device) => {
      const m = /^Local\/([^@]+)@(.+)$/.exec(device);
      return !m || this.dialplan.match(m[2] ?? '', m[1] ?? '') !== undefined;
    };
    for (const hint of this.dialplan.hints()) this.pbx.addHint(hint);
    for (const [device, behaviour] of phones.agents) this.setIdleState(device, idleStateOf(behaviour));
  }

  setIdleState(device: string, state: ReturnType<typeof idleStateOf>): void {
    if (device.startsWith('Local/')) return;
    this.pbx.idleStates.set(device, state);
    this.pbx.refreshDevice(device);
  }

  endpoints(): AriEndpoint[] {
    const out: AriEndpoint[] = [];
    for (const [device, behaviour] of this.config.phones.agents) {
      const slash = device.indexOf('/');
      const technology = device.slice(0, slash);
      if (technology === 'Local') continue;
      out.push({
        technology,
        resource: device.slice(slash + 1),
        state: behaviour.kind === 'unregistered' ? 'offline' : 'online',
        channel_ids: [],
      });
    }
    return out;
  }

  async startAmi(port: number): Promise<number> {
    if (this.ami) return port;
    const ami = new AmiServer(
      { pbx: this.pbx, tel: this.tel, runner: this.runner },
      { username: this.config.username, secret: this.config.secret },
      this.config.onError,
    );
    const bound = await ami.listen(this.config.host, port);
    this.ami = ami;
    return bound;
  }

  async startAri(port: number): Promise<number> {
    if (this.ari) return port;
    const ari = new AriServer(
      {
        pbx: this.pbx,
        tel: this.tel,
        runner: this.runner,
        media: this.config.media,
        mohClasses: new Set(['default']),
        endpoints: () => this.endpoints(),
      },
      { username: this.config.username, secret: this.config.secret },
      this.config.onError,
    );
    const bound = await ari.listen(this.config.host, port);
    this.ari = ari;
    return bound;
  }

  async stopAmi(): Promise<void> {
    const ami = this.ami;
    this.ami = undefined;
    await ami?.close();
  }

  async stopAri(): Promise<void> {
    const ari = this.ari;
    this.ari = undefined;
    await ari?.close();
  }

  get amiRunning(): boolean {
    return this.ami !== undefined;
  }

  get ariRunning(): boolean {
    return this.ari !== undefined;
  }

  /** Ends every call without a word on the wire, as a crashed Asterisk would. */
  async shutdown(): Promise<void> {
    await Promise.all([this.stopAmi(), this.stopAri()]);
    for (const ch of [...this.pbx.channels.values()]) {
      ch.hungup = true;
      ch.abort.abort();
      for (const hook of ch.onDestroyed) hook(0);
    }
    for (const p of this.pbx.playbacks.values()) if (p.timer) clearTimeout(p.timer);
    this.pbx.channels.clear();
  }
}
