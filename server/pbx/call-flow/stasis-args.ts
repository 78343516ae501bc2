// The arguments our Stasis app is entered with, named once. The dialplan hands a caller
// over as `Stasis(cti,ivr=2,lang=zh[,member=M000001])`; the agent legs we originate
// come back as `agent,<callId>` so they are never mistaken for callers; the callback
// dialer's legs come back as `callback,<callbackId>,<agent|member>` and are its own.
import type { IvrResult } from './events.js';

export const STASIS_ARG_KEYS = { ivr: 'ivr', language: 'lang', member: 'member' } as const;
export const AGENT_LEG_TAG = 'agent';
export const CALLBACK_LEG_TAG = 'callback';

export type StasisEntry =
  | { kind: 'caller'; ivr: IvrResult }
  | { kind: 'agent-leg'; callId: string }
  | { kind: 'callback-leg' }
  | { kind: 'invalid'; problem: string };

const KEY_VALUE = /^([A-Za-z][A-Za-z0-9_-]*)=(.*)$/;

export function agentLegArgs(callId: string): string {
  return `${AGENT_LEG_TAG},${callId}`;
}

export function parseStasisArgs(args: readonly string[]): StasisEntry {
  if (args[0] === AGENT_LEG_TAG) {
    const callId = args[1];
    return callId ? { kind: 'agent-leg', callId } : { kind: 'invalid', problem: 'agent leg without a call id' };
  }
  if (args[0] === CALLBACK_LEG_TAG) return { kind: 'callback-leg' };
  const ivr: IvrResult = { choice: null, language: null, memberNo: null, extra: {} };
  for (const arg of args) {
    const match = KEY_VALUE.exec(arg.trim());
    if (!match) {
      if (arg.trim() === '') continue;
      return { kind: 'invalid', problem: `argument "${arg.slice(0, 40)}" is not key=value` };
    }
    const key = match[1]!;
    const value = match[2]!.trim();
    if (key === STASIS_ARG_KEYS.ivr) ivr.choice = value || null;
    else if (key === STASIS_ARG_KEYS.language) ivr.language = value || null;
    else if (key === STASIS_ARG_KEYS.member) ivr.memberNo = value || null;
    else ivr.extra[key] = value;
  }
  return { kind: 'caller', ivr };
}
