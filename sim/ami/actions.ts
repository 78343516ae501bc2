// AMI actions with manager.c's responses, lists and error texts.
import type { Pbx } from '../core/pbx.js';
import type { Telephony } from '../core/calls.js';
import type { DialplanRunner } from '../dialplan/run.js';
import { queueLists } from './queue-actions.js';
import type { Channel, PartyId } from '../core/model.js';
import { amiChannel } from '../core/format.js';
import { amiTimestamp, hms } from '../core/clock.js';
import { AMI_PRIVILEGE, ASTERISK_VERSION, EXTENSION_STATUS, DEVICE_STATES, type DeviceState } from '../core/protocol.js';
import { DTMF_DIGITS, receiveDtmf } from '../core/dtmf.js';
import { APPS } from '../dialplan/apps.js';
import { header, headersAll, type Headers } from './frame.js';

export interface ActionEnv {
  pbx: Pbx;
  tel: Telephony;
  runner: DialplanRunner;
}

export interface Responder {
  respond(actionId: string | undefined, fields: Headers): void;
  send(fields: Headers): void;
  events: boolean;
}

type Action = (env: ActionEnv, s: Responder, h: Headers, id: string | undefined) => void | Promise<void>;

const ORIGINATE_DEFAULT_TIMEOUT_MS = 30_000;
export const BUILD_DATE = '2026-11-23 06:43:58 UTC';

const error = (s: Responder, id: string | undefined, message: string) =>
  s.respond(id, [['Response', 'Error'], ['Message', message]]);
const success = (s: Responder, id: string | undefined, message: string) =>
  s.respond(id, [['Response', 'Success'], ['Message', message]]);

function list(s: Responder, id: string | undefined, message: string, item: string, items: Headers[], complete: string): void {
  s.respond(id, [['Response', 'Success'], ['EventList', 'start'], ['Message', message]]);
  const withId: Headers = id !== undefined ? [['ActionID', id]] : [];
  for (const fields of items) s.send([['Event', item], ...withId, ...fields]);
  s.send([['Event', complete], ...withId, ['EventList', 'Complete'], ['ListItems', String(items.length)]]);
}

/** app_queue lists put ActionID after the item's fields. */
function queueList(s: Responder, id: string | undefined, message: string, items: Array<{ event: string; fields: Headers }>, complete: string): void {
  s.respond(id, [['Response', 'Success'], ['EventList', 'start'], ['Message', message]]);
  const withId: Headers = id !== undefined ? [['ActionID', id]] : [];
  for (const item of items) s.send([['Event', item.event], ...item.fields, ...withId]);
  s.send([['Event', complete], ...withId, ['EventList', 'Complete'], ['ListItems', String(items.length)]]);
}

/** `"Name" <number>`, `Name <number>` or a bare number. */
export function parseCallerId(text: string | undefined): PartyId | undefined {
  if (!text) return undefined;
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(text);
  if (m) return { name: m[1] ?? '', num: m[2] ?? '' };
  return { name: '', num: text.trim() };
}

function findChannel(env: ActionEnv, h: Headers): Channel | undefined {
  const name = header(h, 'Channel');
  return name ? env.pbx.findChannel(name) : undefined;
}

function originate(env: ActionEnv, s: Responder, h: Headers, id: string | undefined): Promise<void> {
  const endpoint = header(h, 'Channel') ?? '';
  if (endpoint === '') {
    error(s, id, 'Channel not specified');
    return Promise.resolve();
  }
  const application = header(h, 'Application');
  const data = header(h, 'Data') ?? '';
  const context = header(h, 'Context');
  const exten = header(h, 'Exten');
  const priority = Number(header(h, 'Priority') ?? '1') || 1;
  const isAsync = /^(true|yes|1|on)$/i.test(header(h, 'Async') ?? '');
  const timeoutMs = Number(header(h, 'Timeout') ?? ORIGINATE_DEFAULT_TIMEOUT_MS) || ORIGINATE_DEFAULT_TIMEOUT_MS;
  const variables: Record<string, string> = {};
  for (const v of headersAll(h, 'Variable'))
    for (const pair of v.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) variables[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  const pbx = env.pbx;
  const callerId = parseCallerId(header(h, 'CallerID'));
  const report = (ok: boolean, ch?: Channel) => {
    const caller = ok && ch ? ch.caller : (callerId ?? { num: '', name: '' });
    const target: Headers = application !== undefined
      ? [['Application', application], ['Data', data]]
      : [['Context', context ?? ''], ['Exten', exten ?? '']];
    const fields: Headers = [
      ['Event', 'OriginateResponse'],
      ['Privilege', AMI_PRIVILEGE.call],
      ['Timestamp', amiTimestamp(pbx.now())],
    ];
    if (id !== undefined) fields.push(['ActionID', id]);
    fields.push(
      ['Response', ok ? 'Success' : 'Failure'],
      ['Channel', ok && ch ? ch.name : endpoint],
      ...target,
      ['Reason', ok ? '4' : '0'],
      ['Uniqueid', ok && ch ? ch.id : '<unknown>'],
      ['CallerIDNum', caller.num || '<unknown>'],
      ['CallerIDName', caller.name || '<unknown>'],
    );
    s.send(fields);
  };
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean, ch?: Channel) => {
      if (settled) return;
      settled = true;
      if (isAsync) report(ok, ch);
      else if (ok) success(s, id, 'Originate successfully queued');
      else error(s, id, 'Originate failed');
      resolve();
    };
    if (isAsync) success(s, id, 'Originate successfully queued');
    env.tel.countOriginate(endpoint);
    const result = env.tel.dial({
      endpoint,
      caller: callerId,
      timeoutMs,
      id: header(h, 'ChannelId'),
      otherId: header(h, 'OtherChannelId'),
      variables,
      onAnswer: (ch) => {
        settle(true, ch);
        if (application !== undefined) runApplication(env, ch, application, data);
        else if (!env.runner.start(ch, context ?? 'default', exten ?? 's', priority)) env.tel.hangup(ch, 0, 'self');
      },
      onFail: () => settle(false),
    });
    if (!result.ok) setImmediate(() => settle(false));
  });
}

function runApplication(env: ActionEnv, ch: Channel, app: string, data: string): void {
  ch.appName = app;
  ch.appData = data;
  const impl = APPS[app.toLowerCase()];
  const done = () => {
    if (!ch.hungup) env.tel.hangup(ch, 16, 'self');
  };
  if (!impl) return done();
  impl({ runner: env.runner, ch, data }).then(done, () => {});
}

function command(env: ActionEnv, s: Responder, h: Headers, id: string | undefined): void {
  const cmd = (header(h, 'Command') ?? '').trim();
  const pbx = env.pbx;
  const out = (lines: string[]) =>
    s.respond(id, [['Response', 'Success'], ['Message', 'Command output follows'], ...lines.map((l): [string, string] => ['Output', l])]);
  if (cmd === 'core show version') {
    return out([`Asterisk ${ASTERISK_VERSION} built by root @ sim on a x86_64 running Linux on ${BUILD_DATE}`]);
  }
  if (cmd === 'core show uptime' || cmd === 'core show uptime seconds') {
    const up = Math.floor((pbx.now() - pbx.startedMs) / 1000);
    return out([`System uptime: ${up} seconds`, `Last reload: ${Math.floor((pbx.now() - pbx.lastReloadMs) / 1000)} seconds`]);
  }
  if (cmd === 'core show channels' || cmd === 'core show channels concise') {
    const lines = [...pbx.channels.values()].map((c) => `${c.name}!${c.context}!${c.exten}!${c.priority}!${c.state}!${c.appName}!${c.appData}`);
    const n = pbx.channels.size;
    return out([...lines, `${n} active channel${n === 1 ? '' : 's'}`]);
  }
  const dev = /^devstate change (\S+) (\S+)$/.exec(cmd);
  if (dev && dev[1]?.startsWith('Custom:')) {
    const state = (dev[2] ?? '').toUpperCase() as DeviceState;
    if (!Object.values(DEVICE_STATES).includes(state)) return out([`Invalid state: ${dev[2] ?? ''}`]);
    pbx.publishDevice(dev[1], state, false);
    return out([`Changing ${dev[1]} to ${state}`]);
  }
  const words = cmd.split(/\s+/).slice(0, 2).join(' ');
  s.respond(id, [
    ['Response', 'Error'],
    ['Message', 'Command output follows'],
    ['Output', `No such command '${cmd}' (type 'core show help ${words}' for other possible commands)`],
  ]);
}

const ACTIONS: Record<string, Action> = {
  ping(env, s, _h, id) {
    s.respond(id, [['Response', 'Success'], ['Ping', 'Pong'], ['Timestamp', amiTimestamp(env.pbx.now())]]);
  },
  events(_env, s, h, id) {
    const mask = header(h, 'EventMask') ?? 'on';
    s.events = !/^(off|no|false|0|none)$/i.test(mask);
    s.respond(id, [['Response', 'Success'], ['Events', s.events ? 'On' : 'Off']]);
  },
  coreshowchannels(env, s, _h, id) {
    const now = env.pbx.now();
    const items = [...env.pbx.channels.values()].map((c): Headers => [
      ...amiChannel(c),
      ['Application', c.appName],
      ['ApplicationData', c.appData],
      ['Duration', hms((now - c.createdMs) / 1000)],
      ['BridgeId', c.bridge?.id ?? ''],
    ]);
    list(s, id, 'Channels will follow', 'CoreShowChannel', items, 'CoreShowChannelsComplete');
  },
  devicestatelist(env, s, _h, id) {
    // Local device states are not cached by Asterisk, so they are not listed.
    const cached = [...env.pbx.deviceStates].filter(([device]) => !device.startsWith('Local/'));
    const items = cached.map(([device, state]): Headers => [['Device', device], ['State', state]]);
    list(s, id, 'Device State Changes will follow', 'DeviceStateChange', items, 'DeviceStateListComplete');
  },
  extensionstatelist(env, s, _h, id) {
    const items = env.pbx.hints.map((hint): Headers => {
      const state = env.pbx.deviceStates.get(hint.device) ?? DEVICE_STATES.notInUse;
      const [status, text] = EXTENSION_STATUS[state] ?? [-1, 'Unknown'];
      return [['Exten', hint.exten], ['Context', hint.context], ['Hint', hint.device], ['Status', String(status)], ['StatusText', text]];
    });
    list(s, id, 'Extension Statuses will follow', 'ExtensionStatus', items, 'ExtensionStateListComplete');
  },
  originate,
  hangup(env, s, h, id) {
    const ch = findChannel(env, h);
    if (!ch) return error(s, id, 'No such channel');
    const cause = Number(header(h, 'Cause') ?? '0');
    success(s, id, 'Channel Hungup');
    env.tel.hangup(ch, Number.isInteger(cause) ? cause : 0, 'ami');
  },
  getvar(env, s, h, id) {
    const variable = header(h, 'Variable');
    if (!variable) return error(s, id, 'No variable specified');
    const chName = header(h, 'Channel');
    const ch = chName ? env.pbx.findChannel(chName) : undefined;
    if (chName && !ch) return error(s, id, 'No such channel');
    s.respond(id, [['Response', 'Success'], ['Variable', variable], ['Value', env.pbx.getVar(ch, variable) ?? '']]);
  },
  setvar(env, s, h, id) {
    const variable = header(h, 'Variable');
    if (!variable) return error(s, id, 'No variable specified');
    const chName = header(h, 'Channel');
    const ch = chName ? env.pbx.findChannel(chName) : undefined;
    if (chName && !ch) return error(s, id, 'No such channel');
    success(s, id, 'Variable Set');
    env.pbx.setVar(ch, variable, header(h, 'Value') ?? '');
  },
  playdtmf(env, s, h, id) {
    const ch = findChannel(env, h);
    if (!ch) return error(s, id, 'Channel not found');
    const digit = header(h, 'Digit') ?? '';
    if (!DTMF_DIGITS.test(digit)) return error(s, id, 'No digit specified');
    success(s, id, 'DTMF successfully queued');
    // DTMF played into a Local half is heard by the other half.
    if (ch.localPeer) receiveDtmf(env.pbx, ch.localPeer, digit);
  },
  command,
  queuestatus(env, s, h, id) {
    queueList(s, id, 'Queue status will follow', queueLists(env.pbx, env.runner.queues, header(h, 'Queue')).status, 'QueueStatusComplete');
  },
  queuesummary(env, s, h, id) {
    queueList(s, id, 'Queue summary will follow', queueLists(env.pbx, env.runner.queues, header(h, 'Queue')).summary, 'QueueSummaryComplete');
  },
  listcommands(_env, s, _h, id) {
    const names = Object.keys(ACTIONS).map((n): [string, string] => [n, n]);
    s.respond(id, [['Response', 'Success'], ...names]);
  },
};

export async function runAction(env: ActionEnv, s: Responder, action: string, h: Headers, id: string | undefined): Promise<void> {
  const impl = ACTIONS[action.toLowerCase()];
  if (!impl) return error(s, id, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
  const pending = impl(env, s, h, id);
  // Async Originate must not hold up the session's next action.
  if (pending && !(action.toLowerCase() === 'originate' && /^(true|yes|1|on)$/i.test(header(h, 'Async') ?? ''))) await pending;
}
