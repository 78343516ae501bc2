// Timestamps on the simulator's side of the wire, taken inside the simulated Asterisk
// core: a caller's StasisStart, the originate towards an agent (the agent channel
// appearing, paired with the caller when it rings), and the agent's phone starting to ring. Screen pops received by the agent
// fleet are paired with the ring of the same agent for the same caller.
import type { Simulator } from '../../sim/index.js';
import type { ReceivedPop } from './agent-fleet.js';
import { wallMs } from '../support/stats.js';

type AmiFields = ReadonlyArray<readonly [string, string]>;

function field(fields: AmiFields, name: string): string | undefined {
  for (const [k, v] of fields) if (k === name) return v;
  return undefined;
}

/** `PJSIP/100042-0000001f` -> `PJSIP/100042`. */
function deviceOfChannel(name: string): string {
  return name.replace(/-[0-9a-f]+$/i, '');
}

export class CallTiming {
  /** Milliseconds from a caller's StasisStart to the originate of their first agent leg. */
  readonly stasisToOriginate: number[] = [];
  /**
   * The same for callers whose advisor was rung at once, with no prompt played to them
   * first: the server's own reaction time. The others' wait includes the prompts the call
   * flow plays by design (the owner-busy menu, its key timeout and repeat).
   */
  readonly stasisToOriginateDirect: number[] = [];
  /** Milliseconds from the agent's phone ringing to the pop arriving at that agent (negative: pop first). */
  readonly ringToPop: number[] = [];
  unpairedPops = 0;
  rings = 0;
  private readonly stasisAt = new Map<string, number>();
  private readonly ringAt = new Map<string, number>();
  private readonly createdAt = new Map<string, number>();
  private readonly popAt = new Map<string, number>();
  /** Caller channel id -> number, for callers in Stasis who have not reached an agent yet. */
  private readonly callerOfChannel = new Map<string, string>();
  /** Numbers of callers who heard a prompt before their first agent leg. */
  private readonly prompted = new Set<string>();
  private recording = false;
  private readonly detach: () => void;

  /** Several simulators (Asterisk nodes) may share one timing: callers are told apart by number. */
  constructor(sims: Simulator | readonly Simulator[], private readonly agentDevices: ReadonlySet<string>) {
    const detachers = (Array.isArray(sims) ? sims : [sims]).map((sim: Simulator) =>
      sim.box.pbx.addSink({
        ami: (fields) => this.onAmi(fields as AmiFields),
        ari: (event) => this.onAri(event),
      }),
    );
    this.detach = () => {
      for (const d of detachers) d();
    };
  }

  /** Only calls between start() and stop() are counted. */
  start(): void {
    this.recording = true;
  }

  stop(): void {
    this.recording = false;
  }

  close(): void {
    this.detach();
  }

  reset(): void {
    this.stasisToOriginate.length = 0;
    this.stasisToOriginateDirect.length = 0;
    this.callerOfChannel.clear();
    this.prompted.clear();
    this.ringToPop.length = 0;
    this.unpairedPops = 0;
    this.rings = 0;
    this.stasisAt.clear();
    this.ringAt.clear();
    this.popAt.clear();
    this.createdAt.clear();
  }

  onPop(pop: ReceivedPop): void {
    if (pop.phase !== 'ringing' || !this.recording) return;
    const key = `${pop.endpoint}|${pop.callerNumber}`;
    const rang = this.ringAt.get(key);
    if (rang !== undefined) {
      this.ringAt.delete(key);
      this.ringToPop.push(pop.at - rang);
    } else this.popAt.set(key, pop.at);
  }

  /** Pops that never met a ring (and rings that never got a pop) once the run is over. */
  settle(): { popsWithoutRing: number; ringsWithoutPop: number } {
    const out = { popsWithoutRing: this.popAt.size, ringsWithoutPop: this.ringAt.size };
    this.popAt.clear();
    this.ringAt.clear();
    return out;
  }

  private onAmi(fields: AmiFields): void {
    if (!this.recording) return;
    const event = field(fields, 'Event');
    if (event !== 'Newchannel' && event !== 'Newstate') return;
    const channel = field(fields, 'Channel') ?? '';
    const device = deviceOfChannel(channel);
    if (!this.agentDevices.has(device)) return;
    const at = wallMs();
    // The originated channel gets its caller ID after Newchannel: pair it when it rings.
    if (event === 'Newchannel') {
      this.createdAt.set(channel, at);
      return;
    }
    if (field(fields, 'ChannelStateDesc') !== 'Ringing') return;
    const caller = field(fields, 'CallerIDNum') ?? '';
    const created = this.createdAt.get(channel);
    this.createdAt.delete(channel);
    const started = this.stasisAt.get(caller);
    if (created !== undefined && started !== undefined) {
      this.stasisAt.delete(caller);
      this.stasisToOriginate.push(created - started);
      if (!this.prompted.delete(caller)) this.stasisToOriginateDirect.push(created - started);
    }
    this.rings += 1;
    const key = `${device}|${caller}`;
    const popped = this.popAt.get(key);
    if (popped !== undefined) {
      this.popAt.delete(key);
      this.ringToPop.push(popped - at);
    } else this.ringAt.set(key, at);
  }

  private onAri(event: Record<string, unknown>): void {
    if (!this.recording) return;
    if (event['type'] === 'PlaybackStarted') {
      const target = (event['playback'] as { target_uri?: string } | undefined)?.target_uri ?? '';
      const number = this.callerOfChannel.get(target.replace(/^channel:/, ''));
      if (number !== undefined && this.stasisAt.has(number)) this.prompted.add(number);
      return;
    }
    if (event['type'] !== 'StasisStart') return;
    const channel = event['channel'] as { id?: string; name?: string; caller?: { number?: string } } | undefined;
    if (!channel?.name || this.agentDevices.has(deviceOfChannel(channel.name))) return;
    const number = channel.caller?.number ?? '';
    if (channel.id) this.callerOfChannel.set(channel.id, number);
    if (!this.stasisAt.has(number)) this.stasisAt.set(number, wallMs());
  }
}
