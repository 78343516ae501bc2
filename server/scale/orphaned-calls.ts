// After taking a node over from a server that died, callers it was routing still sit in
// the Stasis app with nobody driving them (the new flow never saw their StasisStart).
// Each one that is not talking to an agent yet is routed afresh, as if it had just
// arrived: the caller hears the prompts again rather than silence. Agent legs the dead
// server rang are left to the flow, which hangs up a leg answered for a call it does not know.
import type { AriChannel } from '../pbx/ari/models.js';
import type { AriEvent } from '../pbx/ari/events.js';
import { ARI_EVENTS } from '../pbx/ari/protocol.js';
import { parseStasisArgs } from '../pbx/call-flow/stasis-args.js';
import type { Logger } from '../shared/logger.js';

const STASIS_APPLICATION = 'Stasis';

export interface OrphanSource {
  app: string;
  listChannels(): Promise<AriChannel[]>;
  /** Channel ids that are in a bridge (connected calls keep going untouched). */
  bridgedChannelIds(): Promise<Set<string>>;
  /** Channel ids of callers the flow already drives. */
  knownCallers(): Set<string>;
  handle(event: AriEvent): void;
}

/** The `Stasis(app,args...)` arguments of a channel sitting in our app, or null. */
export function stasisArgsOf(channel: AriChannel, app: string): string[] | null {
  const dialplan = channel.dialplan;
  if (dialplan?.app_name !== STASIS_APPLICATION || dialplan.app_data === undefined) return null;
  const [name, ...args] = dialplan.app_data.split(',');
  return name?.trim() === app ? args.map((a) => a.trim()) : null;
}

/** Routes the orphaned callers of a node just taken over; returns how many. */
export async function adoptOrphanedCallers(source: OrphanSource, log: Logger, now: () => number): Promise<number> {
  const [channels, bridged] = await Promise.all([source.listChannels(), source.bridgedChannelIds()]);
  const known = source.knownCallers();
  let adopted = 0;
  for (const channel of channels) {
    const args = stasisArgsOf(channel, source.app);
    if (!args || known.has(channel.id) || bridged.has(channel.id)) continue;
    const entry = parseStasisArgs(args);
    if (entry.kind === 'agent-leg' || entry.kind === 'callback-leg') continue;
    log.info({ channelId: channel.id }, 'caller left in the Stasis app by the previous owner: routing afresh');
    source.handle({ type: ARI_EVENTS.StasisStart, application: source.app, timestamp: new Date(now()).toISOString(), channel, args });
    adopted++;
  }
  return adopted;
}
