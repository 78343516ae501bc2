// Runs a channel through the dialplan: Newexten per priority, the applications of
// apps.ts, goto/labels, and hang-up when the dialplan runs out (as Asterisk does).
import type { Channel } from '../core/model.js';
import type { Telephony } from '../core/calls.js';
import type { MediaCatalog } from '../core/media.js';
import { HangupSignal } from '../core/clock.js';
import { CAUSES } from '../core/protocol.js';
import type { Dialplan, Extension } from './parse.js';
import { substitute } from './expr.js';
import { APPS, type AppContext, type AppResult } from './apps.js';
import type { SimpleQueues } from './queue.js';

export class DialplanRunner {
  constructor(
    readonly tel: Telephony,
    readonly dialplan: Dialplan,
    readonly media: MediaCatalog,
    readonly queues: SimpleQueues,
  ) {}

  /** Multiplies dialplan waits (Wait, WaitExten, Read timeouts); tests shorten them. */
  waitScale = 1;

  scaled(ms: number): number {
    return Math.max(1, Math.round(ms * this.waitScale));
  }

  /** False when the context or extension does not exist (nothing started). */
  start(ch: Channel, context: string, exten: string, priority = 1): boolean {
    const ext = this.dialplan.match(context, exten);
    if (!ext) return false;
    ch.inDialplan = true;
    // Each channel runs on its own thread in Asterisk: start after the caller's turn.
    setImmediate(() => void this.run(ch, context, exten, ext, priority));
    return true;
  }

  private async run(ch: Channel, context: string, exten: string, ext: Extension, priority: number): Promise<void> {
    const pbx = this.tel.pbx;
    let cur = { context, exten, ext, priority };
    try {
      for (;;) {
        if (ch.hungup) return;
        const step = cur.ext.steps.find((s) => s.priority === cur.priority);
        if (!step) break;
        ch.context = cur.context;
        ch.exten = cur.exten;
        ch.priority = cur.priority;
        const data = substitute(step.data, (name) => pbx.getVar(ch, name));
        const callerChanged = pbx.applyPendingCaller(ch);
        pbx.newexten(ch, step.app, data);
        if (callerChanged) pbx.publishCallerId(ch);
        const app = APPS[step.app.toLowerCase()];
        if (!app) break;
        const ctx: AppContext = { runner: this, ch, data };
        const result: AppResult = await app(ctx);
        if (ch.hungup) return;
        if (result === 'hangup') break;
        if (result === 'next') {
          cur = { ...cur, priority: cur.priority + 1 };
          continue;
        }
        const target = this.resolve(cur, result.goto);
        if (!target) break;
        cur = target;
      }
    } catch (err) {
      if (!(err instanceof HangupSignal)) throw err;
      return;
    }
    if (!ch.hungup) this.tel.hangup(ch, CAUSES.normal, 'self');
  }

  /** `label`, `prio`, `exten,prio` or `context,exten,prio`; priorities may be labels. */
  resolve(
    cur: { context: string; exten: string; ext: Extension; priority: number },
    target: string,
  ): { context: string; exten: string; ext: Extension; priority: number } | undefined {
    const parts = target.split(',').map((p) => p.trim());
    const [a, b, c] = parts;
    let context = cur.context;
    let exten = cur.exten;
    let prio: string;
    if (parts.length >= 3) [context, exten, prio] = [a ?? '', b ?? '', c ?? '1'];
    else if (parts.length === 2) [exten, prio] = [a ?? '', b ?? '1'];
    else prio = a ?? '1';
    const ext = this.dialplan.match(context, exten);
    if (!ext) return undefined;
    const num = Number(prio);
    const priority = Number.isInteger(num) ? num : ext.steps.find((s) => s.label === prio)?.priority;
    if (priority === undefined) return undefined;
    return { context, exten, ext, priority };
  }

  hasExten(context: string, exten: string): boolean {
    return this.dialplan.match(context, exten) !== undefined;
  }
}
