import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPromptId, getPrompt } from '../../../ivr-prompts/catalog.js';
import { LANGUAGES } from '../../../server/domain/model.js';
import { extenMatches, parseConf, parseDialplan, splitArgs, type Priority } from './asterisk-conf.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'dialplan');
const read = (file: string) => readFileSync(join(DIR, file), 'utf8');
const dialplan = parseDialplan(read('extensions.conf'));
const { priorities, contexts, globals, hints } = dialplan;

/** `$[...]?a:b` -> ['a', 'b'] (either may be empty). */
function gotoIfTargets(args: string): string[] {
  if (!args.startsWith('$[')) throw new Error(`GotoIf condition must be $[...]: ${args}`);
  let depth = 0;
  let end = 0;
  for (let i = 1; i < args.length; i += 1) {
    if (args[i] === '[') depth += 1;
    if (args[i] === ']') depth -= 1;
    if (depth === 0) {
      end = i;
      break;
    }
  }
  if (args[end + 1] !== '?') throw new Error(`GotoIf needs ?target after the condition: ${args}`);
  return args.slice(end + 2).split(':').filter(Boolean);
}

interface Target {
  context: string;
  exten: string;
  priority: string;
}

function resolve(from: Priority, target: string): Target {
  const parts = splitArgs(target);
  if (parts.length === 1) return { context: from.context, exten: from.exten, priority: parts[0]! };
  if (parts.length === 2) return { context: from.context, exten: parts[0]!, priority: parts[1]! };
  return { context: parts[0]!, exten: parts[1]!, priority: parts[2]! };
}

function jumps(): Array<{ from: Priority; target: Target }> {
  const out: Array<{ from: Priority; target: Target }> = [];
  for (const p of priorities) {
    if (p.app === 'Goto') out.push({ from: p, target: resolve(p, p.args) });
    if (p.app === 'GotoIf') for (const t of gotoIfTargets(p.args)) out.push({ from: p, target: resolve(p, t) });
  }
  return out;
}

function inContext(context: string): Priority[] {
  return priorities.filter((p) => p.context === context);
}

describe('dialplan/extensions.conf', () => {
  it('parses, with the front IVR, hand-off, fallback and agent contexts', () => {
    for (const name of ['cti-inbound', 'cti-language', 'cti-service', 'cti-member-number', 'cti-handoff', 'cti-fallback', 'cti-agents', 'cti-hints', 'cti-inbound-lab']) {
      expect(contexts, name).to.include(name);
    }
  });

  it('sends every Goto and GotoIf to a context, extension and priority that exist', () => {
    const all = jumps();
    expect(all.length).to.be.greaterThan(10);
    for (const { from, target } of all) {
      const where = `line ${from.line}: ${from.app}(${from.args})`;
      expect(contexts, where).to.include(target.context);
      const candidates = inContext(target.context).filter(
        (p) => target.exten.includes('${') || p.exten === target.exten || extenMatches(p.exten, target.exten),
      );
      expect(candidates, `${where}: no extension ${target.exten}`).to.not.be.empty;
      const hit = candidates.some((p) => String(p.number) === target.priority || p.label === target.priority);
      expect(hit, `${where}: no priority ${target.priority}`).to.equal(true);
    }
  });

  it('queues only to queues that queues.conf defines, with members reachable through existing contexts', () => {
    const queues = parseConf(read('queues.conf'));
    const queued = priorities.filter((p) => p.app === 'Queue');
    expect(queued).to.not.be.empty;
    for (const p of queued) {
      const name = splitArgs(p.args)[0]!;
      const queue = queues.find((section) => section.name === name);
      expect(queue, `queue ${name}`).to.not.equal(undefined);
      const members = queue!.entries.filter((e) => e.key === 'member');
      expect(members).to.not.be.empty;
      for (const member of members) {
        const local = /^Local\/([^@]+)@([^/,]+)/.exec(member.value);
        expect(local, member.value).to.not.equal(null);
        expect(contexts).to.include(local![2]);
        expect(inContext(local![2]!).some((p) => extenMatches(p.exten, local![1]!) && p.number === 1)).to.equal(true);
      }
    }
  });

  it('hands off with Stasis(cti, ivr=, lang= [, member=]) exactly in the key=value form of the contract', () => {
    const stasis = priorities.filter((p) => p.app === 'Stasis' && p.context === 'cti-handoff');
    expect(stasis.map((p) => splitArgs(p.args))).to.deep.equal([
      ['cti', 'ivr=${CTI_IVR}', 'lang=${CTI_LANG}'],
      ['cti', 'ivr=${CTI_IVR}', 'lang=${CTI_LANG}', 'member=${CTI_MEMBER}'],
    ]);
  });

  it('sets the Stasis argument variables only to contract values', () => {
    const sets = priorities.filter((p) => p.app === 'Set').map((p) => /^(\w+)=(.*)$/.exec(p.args));
    const valuesOf = (name: string) => sets.filter((m) => m?.[1] === name).map((m) => m![2]!);
    const resolveGlobal = (v: string) => v.replace(/^\$\{(\w+)\}$/, (_, g: string) => globals.get(g) ?? v);

    const ivr = valuesOf('CTI_IVR').map(resolveGlobal);
    expect(ivr.length).to.be.greaterThan(3);
    for (const v of ivr) expect(['1', '2', '3'], `CTI_IVR=${v}`).to.include(v);

    for (const v of valuesOf('CTI_LANG')) expect(['zh', 'en', '${IF($["${CTI_LANG}" = "en"]?en:zh)}'], `CTI_LANG=${v}`).to.include(v);

    expect(valuesOf('CTI_MEMBER')).to.have.members(['', '', '${CTI_KEYED}']);
    const keyed = priorities.find((p) => p.app === 'Set' && p.args === 'CTI_MEMBER=${CTI_KEYED}')!;
    const gate = inContext(keyed.context).find((p) => p.app === 'GotoIf' && p.args.includes('REGEX("^[0-9]+$" ${CTI_KEYED})'));
    expect(gate, 'the keyed member number is checked to be digits before use').to.not.equal(undefined);
    expect(gotoIfTargets(gate!.args)).to.deep.equal([keyed.label]);
  });

  it('sends the caller to the fallback queue when the Stasis app is not registered, never to dead air', () => {
    const handoff = inContext('cti-handoff');
    const check = handoff.find((p) => p.app === 'GotoIf' && p.args.includes('"${STASISSTATUS}" = "FAILED"'));
    expect(check).to.not.equal(undefined);
    expect(gotoIfTargets(check!.args)).to.deep.equal(['cti-fallback,s,1']);
    expect(check!.number).to.be.greaterThan(Math.max(...handoff.filter((p) => p.app === 'Stasis').map((p) => p.number)));

    const fallback = inContext('cti-fallback').map((p) => p.app);
    const queueAt = fallback.indexOf('Queue');
    expect(fallback.slice(0, queueAt)).to.include('Playback'); // the polite message first
    expect(fallback.slice(queueAt + 1)).to.include.members(['Playback', 'Hangup']); // queue empty: message, orderly hang-up
    expect(fallback.at(-1)).to.equal('Hangup');
  });

  it('answers real trunk calls before the menus and leaves answering to the app in the Local lab entry', () => {
    const inbound = inContext('cti-inbound').filter((p) => p.exten === 's').map((p) => p.app);
    expect(inbound).to.include('Answer');
    expect(inContext('cti-inbound-lab').map((p) => p.app)).to.not.include('Answer');
    expect(inContext('cti-inbound-lab').some((p) => p.app === 'Goto' && p.args === 'cti-handoff,s,1')).to.equal(true);
  });

  it('handles timeouts and invalid keys in every menu: no key on the language menu means Mandarin', () => {
    for (const menu of ['cti-language', 'cti-service']) {
      const extens = new Set(inContext(menu).map((p) => p.exten));
      expect(extens, menu).to.include.members(['s', 't', 'i']);
    }
    const timeout = inContext('cti-language').filter((p) => p.exten === 't').map((p) => p.args);
    expect(timeout).to.include('CTI_LANG=zh');
    expect(new Set(inContext('cti-service').map((p) => p.exten))).to.include.members(['1', '2', '3', '9']);
  });

  it('plays only prompts that the catalog defines in every language', () => {
    const sounds = new Set<string>();
    for (const p of priorities.filter((p) => ['Background', 'Playback', 'Read'].includes(p.app))) {
      for (const ref of p.args.matchAll(/\$\{CTI_SOUNDS\}\/(zh|en|\$\{CTI_LANG\})\/([a-z0-9-]+)/g)) sounds.add(ref[2]!);
    }
    expect(sounds.size).to.be.greaterThan(6);
    for (const name of sounds) {
      expect(isPromptId(name), name).to.equal(true);
      if (isPromptId(name)) for (const language of LANGUAGES) expect(getPrompt(name).text[language]).to.not.match(/\{/);
    }
    expect(globals.get('CTI_SOUNDS')).to.equal('cti');
  });

  it('declares device-state hints for the advisors\' phones in their own context', () => {
    expect(hints.map((h) => h.device)).to.include.members(['PJSIP/1001', 'PJSIP/1002']);
    expect(new Set(hints.map((h) => h.context))).to.deep.equal(new Set(['cti-hints']));
  });

  it('keeps pjsip contexts pointing at contexts that exist, and no real secrets in the samples', () => {
    const pjsip = parseConf(read('pjsip.conf'));
    for (const entry of pjsip.flatMap((s) => s.entries).filter((e) => e.key === 'context')) {
      expect(contexts, `pjsip.conf line ${entry.line}`).to.include(entry.value);
    }
    for (const file of ['manager.conf', 'ari.conf', 'pjsip.conf']) {
      const secrets = parseConf(read(file))
        .flatMap((s) => s.entries)
        .filter((e) => ['secret', 'password'].includes(e.key));
      expect(secrets, file).to.not.be.empty;
      for (const secret of secrets) expect(secret.value, `${file} line ${secret.line}`).to.match(/^CHANGE_ME/);
    }
  });
});
