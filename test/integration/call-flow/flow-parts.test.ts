// The call flow's small pure parts, without the simulator: call states, Stasis arguments,
// which waiting caller gets a freed advisor, keyed member numbers, leg outcomes.
import { expect } from 'chai';
import { DEFAULT_PRIORITY_BOOST_MS } from '../../../server/domain/dispatch.js';
import type { Advisor, AdvisorPresence } from '../../../server/domain/model.js';
import { DEFAULT_TIER_RULES } from '../../../server/domain/tiers.js';
import { legOutcomeOf } from '../../../server/pbx/call-flow/agent-ringer.js';
import { CallState, IllegalCallEventError } from '../../../server/pbx/call-flow/call-state.js';
import { pickLanguage } from '../../../server/pbx/call-flow/inbound-script.js';
import { agentLegArgs, parseStasisArgs } from '../../../server/pbx/call-flow/stasis-args.js';
import { WaitingCallers } from '../../../server/pbx/call-flow/waiting-callers.js';
import { memberNoCandidates } from '../../../server/routing/router.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';
import { liveCallersPolicy } from '../../../server/routing/waiting-choice.js';
import { createLogger } from '../../../server/shared/logger.js';

const NOW = Date.parse('2026-11-23T08:00:00Z');

describe('call flow parts', () => {
  describe('call state', () => {
    it('follows the documented transitions and rejects events the state does not accept', () => {
      const state = new CallState(createLogger('silent'), () => NOW);
      expect(state.fire('identified')).to.equal('routing');
      expect(state.fire('ring')).to.equal('ringing');
      expect(state.abandonPlace()).to.equal('ringing');
      expect(() => state.fire('key')).to.throw(IllegalCallEventError, 'not accepted in state "ringing"');
      expect(state.name, 'a rejected event changes nothing').to.equal('ringing');
      expect(state.fire('answered')).to.equal('connected');
      expect(state.abandonPlace(), 'an answered call is not abandoned').to.equal(null);
      expect(state.fire('agent-hangup')).to.equal('ended');
      expect(state.accepts('caller-hangup'), 'nothing moves an ended call').to.equal(false);
    });

    it('names where a caller hanging up was left', () => {
      const places: Array<[string[], string]> = [
        [['identified', 'prompt'], 'prompt'],
        [['identified', 'wait-owner'], 'owner-wait'],
        [['identified', 'wait-pool'], 'pool-wait'],
        [['identified'], 'routing'],
      ];
      for (const [events, place] of places) {
        const state = new CallState(createLogger('silent'), () => NOW);
        for (const e of events) state.fire(e as Parameters<CallState['fire']>[0]);
        expect(state.abandonPlace(), events.join(' ')).to.equal(place);
      }
    });
  });

  describe('Stasis arguments', () => {
    it('reads the front-IVR hand-off, keeping unknown keys', () => {
      expect(parseStasisArgs(['ivr=2', 'lang=en', 'member=000042', 'did=4008001234'])).to.deep.equal({
        kind: 'caller',
        ivr: { choice: '2', language: 'en', memberNo: '000042', extra: { did: '4008001234' } },
      });
      expect(parseStasisArgs(['ivr=', 'lang=zh'])).to.deep.equal({ kind: 'caller', ivr: { choice: null, language: 'zh', memberNo: null, extra: {} } });
    });

    it('recognises agent and callback legs so they are never routed as callers', () => {
      expect(parseStasisArgs(agentLegArgs('node0:1795.12').split(','))).to.deep.equal({ kind: 'agent-leg', callId: 'node0:1795.12' });
      expect(parseStasisArgs(['callback', '17', 'agent']).kind).to.equal('callback-leg');
      expect(parseStasisArgs(['agent']).kind).to.equal('invalid');
      expect(parseStasisArgs(['garbage']).kind).to.equal('invalid');
    });
  });

  describe('waiting callers', () => {
    const advisor = (id: number, tier: Advisor['tier']): Advisor => ({
      id,
      name: `A${id}`,
      nameZh: '',
      tier,
      endpoint: `PJSIP/${1000 + id}`,
      active: true,
      capacity: 650,
      createdAt: '2026-01-01T00:00:00Z',
    });
    const ready = (id: number): AdvisorPresence => ({
      advisorId: id,
      desktop: 'ready',
      notReadyReason: null,
      markedAbsent: false,
      phone: 'idle',
      idleSince: NOW - 60_000,
      currentCallSince: null,
      wrapUpUntil: null,
    });
    const waiter = (callId: string, firstCallAt: number, rest: Partial<WaitingCaller> = {}): WaitingCaller => ({
      callId,
      node: 'node0',
      memberId: null,
      ownerId: null,
      memberLevel: 'regular',
      minimumTier: 'standard',
      waitingFor: { kind: 'pool' },
      firstCallAt,
      waitingSince: firstCallAt,
      triedAdvisorIds: [],
      ...rest,
    });
    const policy = liveCallersPolicy({ ownerWindowMs: 7_200_000, delegateWindowMs: 3_600_000, tierRules: DEFAULT_TIER_RULES, priorityBoostMs: DEFAULT_PRIORITY_BOOST_MS });

    it('hands a freed advisor to the oldest caller they may serve, and only once', () => {
      const waiting = new WaitingCallers(policy);
      const handed: string[] = [];
      const add = (w: WaitingCaller) => waiting.add(w, { handOff: (id) => handed.push(`${w.callId}->${id}`), interrupt: () => undefined });
      add(waiter('vip-oldest', NOW - 90_000, { memberLevel: 'vip', minimumTier: 'vip' }));
      add(waiter('for-owner-7', NOW - 80_000, { waitingFor: { kind: 'owner', advisorId: 7 } }));
      add(waiter('tried-3', NOW - 70_000, { triedAdvisorIds: [3] }));
      add(waiter('regular', NOW - 60_000));

      expect(waiting.offer(advisor(3, 'standard'), ready(3), NOW)?.callId, 'not vip, not the owner, already tried').to.equal('regular');
      expect(waiting.offer(advisor(4, 'vip'), ready(4), NOW)?.callId).to.equal('vip-oldest');
      expect(waiting.offer(advisor(5, 'standard'), ready(5), NOW)?.callId).to.equal('tried-3');
      expect(waiting.offer(advisor(6, 'vip'), ready(6), NOW), 'the owner waiter is only for advisor 7').to.equal(null);
      expect(waiting.offer(advisor(7, 'standard'), ready(7), NOW)?.callId).to.equal('for-owner-7');
      expect(handed).to.deep.equal(['regular->3', 'vip-oldest->4', 'tried-3->5', 'for-owner-7->7']);
      expect(waiting.size).to.equal(0);
    });

    it('lets the policy be replaced (the callback engine merges its queue there)', () => {
      const waiting = new WaitingCallers(policy);
      waiting.add(waiter('a', NOW), { handOff: () => undefined, interrupt: () => undefined });
      waiting.setPolicy(() => null);
      expect(waiting.offer(advisor(1, 'vip'), ready(1), NOW)).to.equal(null);
      expect(waiting.handTo('a', 1)).to.equal(true);
      expect(waiting.handTo('a', 1), 'a caller is handed over once').to.equal(false);
    });

    it('interrupts only the callers waiting for an owner who went away', () => {
      const waiting = new WaitingCallers(policy);
      const reasons: string[] = [];
      waiting.add(waiter('x', NOW, { waitingFor: { kind: 'owner', advisorId: 2 } }), { handOff: () => undefined, interrupt: (r) => reasons.push(`x:${r}`) });
      waiting.add(waiter('y', NOW), { handOff: () => undefined, interrupt: (r) => reasons.push(`y:${r}`) });
      expect(waiting.interruptOwnerWaits(2, 'away')).to.equal(1);
      expect(reasons).to.deep.equal(['x:away']);
      expect(waiting.list().map((w) => w.callId)).to.deep.equal(['y']);
    });
  });

  it('turns keypad digits into member numbers to look up', () => {
    expect(memberNoCandidates('42')).to.deep.equal(['42', 'M42', 'M000042']);
    expect(memberNoCandidates('000042')).to.deep.equal(['000042', 'M000042']);
    expect(memberNoCandidates('M000042')).to.deep.equal(['M000042']);
    expect(memberNoCandidates('  ')).to.deep.equal([]);
    expect(memberNoCandidates(null)).to.deep.equal([]);
  });

  it('reads how an agent leg ended from its dial status and hangup cause', () => {
    expect(legOutcomeOf('BUSY', 0)).to.equal('busy');
    expect(legOutcomeOf('', 17)).to.equal('busy');
    expect(legOutcomeOf('RINGING', 19)).to.equal('no-answer');
    expect(legOutcomeOf('CHANUNAVAIL', 21)).to.equal('rejected');
    expect(legOutcomeOf('CHANUNAVAIL', 0)).to.equal('failed');
    expect(legOutcomeOf('RINGING', 16)).to.equal('rejected');
  });

  it('picks the prompt language from the IVR, else the member, else Chinese', () => {
    expect(pickLanguage('en', 'zh')).to.equal('en');
    expect(pickLanguage('zh-CN', 'en')).to.equal('zh');
    expect(pickLanguage(null, 'en')).to.equal('en');
    expect(pickLanguage('fr', undefined)).to.equal('zh');
  });
});
