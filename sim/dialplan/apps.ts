// The dialplan applications the simulator runs, each as Asterisk behaves for the
// cases call centers use (Answer's 500 ms on Local, Stasis failure, IVR digits).
import { sleep } from '../core/clock.js';
import { collectDigits } from '../core/dtmf.js';
import type { Channel } from '../core/model.js';
import { CAUSES, STASIS_STATUS } from '../core/protocol.js';
import { splitArgs, truthy } from './expr.js';
import type { DialplanRunner } from './run.js';

export type AppResult = 'next' | 'hangup' | { goto: string };

export interface AppContext {
  runner: DialplanRunner;
  ch: Channel;
  data: string;
}

type App = (ctx: AppContext) => Promise<AppResult>;

const LOCAL_ANSWER_DELAY_MS = 500;

const seconds = (text: string | undefined, fallback: number): number => {
  const n = Number(text);
  return Number.isFinite(n) && text !== '' && text !== undefined ? n * 1000 : fallback;
};

async function playFiles(ctx: AppContext, files: string): Promise<void> {
  for (const file of files.split('&').filter(Boolean)) {
    const uri = `sound:${file}`;
    ctx.ch.onEvent?.({ type: 'playback', media: uri });
    await sleep(ctx.runner.media.durationMs(uri), ctx.ch.abort.signal);
  }
}

/** Background + WaitExten: a key picks the extension of that name, if there is one. */
function menuChoice(ctx: AppContext, digits: string): AppResult {
  const { ch, runner } = ctx;
  if (digits === '') return runner.hasExten(ch.context, 't') ? { goto: `${ch.context},t,1` } : 'next';
  if (runner.hasExten(ch.context, digits)) return { goto: `${ch.context},${digits},1` };
  return runner.hasExten(ch.context, 'i') ? { goto: `${ch.context},i,1` } : 'next';
}

function gotoTarget(label: string): AppResult {
  return { goto: label };
}

export const APPS: Readonly<Record<string, App>> = {
  async answer({ runner, ch }) {
    if (ch.state !== 'Up') {
      runner.tel.answer(ch);
      if (ch.localHalf) await sleep(LOCAL_ANSWER_DELAY_MS, ch.abort.signal);
    }
    return 'next';
  },
  async ringing({ runner, ch }) {
    runner.tel.ringing(ch);
    return 'next';
  },
  async progress() {
    return 'next';
  },
  async wait({ runner, ch, data }) {
    await sleep(runner.scaled(seconds(data, 0)), ch.abort.signal);
    return 'next';
  },
  async noop() {
    return 'next';
  },
  async verbose() {
    return 'next';
  },
  async hangup({ runner, ch, data }) {
    const cause = Number(data);
    runner.tel.hangup(ch, data !== '' && Number.isInteger(cause) ? cause : CAUSES.normal, 'self');
    return 'hangup';
  },
  async busy({ runner, ch }) {
    runner.tel.busy(ch);
    return 'hangup';
  },
  async congestion({ runner, ch }) {
    runner.tel.hangup(ch, CAUSES.congestion, 'self');
    return 'hangup';
  },
  async set({ runner, ch, data }) {
    const eq = data.indexOf('=');
    if (eq <= 0) return 'next';
    const name = data.slice(0, eq).replace(/^_{1,2}/, '');
    const value = data.slice(eq + 1);
    const pbx = runner.tel.pbx;
    if (name === 'CALLERID(num)') {
      if (ch.caller.num !== value) pbx.setCallerId(ch, { ...ch.caller, num: value });
    } else if (name === 'CALLERID(name)') {
      if (ch.caller.name !== value) pbx.setCallerId(ch, { ...ch.caller, name: value });
    }
    else if (name === 'CHANNEL(language)') ch.vars.set('CHANNEL(language)', value);
    else pbx.setVar(ch, name, value);
    return 'next';
  },
  async playback(ctx) {
    await playFiles(ctx, splitArgs(ctx.data)[0] ?? '');
    return 'next';
  },
  async background(ctx) {
    const { runner, ch } = ctx;
    const files = splitArgs(ctx.data)[0] ?? '';
    const total = files
      .split('&')
      .filter(Boolean)
      .reduce((ms, f) => ms + runner.media.durationMs(`sound:${f}`), 0);
    for (const f of files.split('&').filter(Boolean)) ch.onEvent?.({ type: 'playback', media: `sound:${f}` });
    const digit = await collectDigits(runner.tel.pbx, ch, { max: 1, timeoutMs: Math.max(1, total), askScript: false });
    if (digit !== '') return menuChoice(ctx, digit);
    return 'next';
  },
  async waitexten(ctx) {
    const { runner, ch, data } = ctx;
    const digit = await collectDigits(runner.tel.pbx, ch, {
      max: 1,
      timeoutMs: runner.scaled(seconds(splitArgs(data)[0], 10_000)),
    });
    return menuChoice(ctx, digit);
  },
  async read(ctx) {
    const { runner, ch } = ctx;
    const [variable = '', file = '', maxText = '', , , timeoutText] = splitArgs(ctx.data);
    if (file) {
      for (const f of file.split('&').filter(Boolean)) ch.onEvent?.({ type: 'playback', media: `sound:${f}` });
    }
    const max = Number(maxText) > 0 ? Number(maxText) : 255;
    const digits = await collectDigits(runner.tel.pbx, ch, {
      max,
      timeoutMs: runner.scaled(seconds(timeoutText, 5_000)) + (file ? runner.media.durationMs(`sound:${file}`) : 0),
      terminator: '#',
    });
    runner.tel.pbx.setVar(ch, variable, digits);
    runner.tel.pbx.setVar(ch, 'READSTATUS', 'OK');
    return 'next';
  },
  async goto({ data }) {
    return gotoTarget(data);
  },
  async gotoif({ data }) {
    const q = data.indexOf('?');
    if (q < 0) return 'next';
    const [yes = '', no = ''] = data.slice(q + 1).split(':');
    const target = truthy(data.slice(0, q)) ? yes : no;
    return target.trim() === '' ? 'next' : gotoTarget(target);
  },
  async stasis({ runner, ch, data }) {
    const [app = '', ...args] = splitArgs(data);
    const result = await runner.tel.enterStasis(ch, app, args);
    if (result === 'hangup') return 'hangup';
    const target = ch.continueAt;
    ch.continueAt = undefined;
    if (target) return { goto: target };
    if (ch.vars.get(STASIS_STATUS.variable) === undefined) runner.tel.pbx.setVar(ch, STASIS_STATUS.variable, STASIS_STATUS.failed);
    return 'next';
  },
  async queue({ runner, ch, data }) {
    const [name = '', , , , timeoutText] = splitArgs(data);
    const outcome = await runner.queues.join(ch, name, seconds(timeoutText, 0));
    runner.tel.pbx.setVar(ch, 'QUEUESTATUS', outcome);
    return outcome === 'CONNECTED' ? 'hangup' : 'next';
  },
  async musiconhold({ ch, data }) {
    const [, durationText] = splitArgs(data);
    await sleep(seconds(durationText, 3_600_000), ch.abort.signal);
    return 'next';
  },
  async dial({ runner, ch, data }) {
    const [targets = '', timeoutText] = splitArgs(data);
    const status = await runner.queues.dialAndBridge(ch, targets.split('&')[0] ?? '', seconds(timeoutText, 60_000));
    runner.tel.pbx.setVar(ch, 'DIALSTATUS', status);
    return status === 'ANSWER' ? 'hangup' : 'next';
  },
};
