// With several servers, the expected pool wait a caller is offered counts the pool callers
// waiting on the other servers too (so every server offers the same wait and peak-time
// callback), while only this server's own callers can ever be handed an advisor.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { loadConfig } from '../../../server/config/config.js';
import type { Advisor } from '../../../server/domain/model.js';
import { startTelephony, type Telephony } from '../../../server/pbx/call-flow/telephony.js';
import { PresenceBoard } from '../../../server/presence/presence-board.js';
import type { CallProgress } from '../../../server/routing/router.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';
import { createLogger } from '../../../server/shared/logger.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');
const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const ADVISOR: Advisor = { id: 1, name: 'Alice', nameZh: '王丽', tier: 'standard', endpoint: 'PJSIP/1001', active: true, capacity: 650, createdAt: new Date(NOW).toISOString() };
const unused = () => Promise.reject(new Error('not used here'));

function remoteCaller(callId: string, patch: Partial<WaitingCaller> = {}): WaitingCaller {
  return {
    callId,
    node: 'node1',
    memberId: null,
    ownerId: null,
    waitingFor: { kind: 'pool' },
    firstCallAt: NOW - 120_000,
    waitingSince: NOW - 60_000,
    memberLevel: null,
    minimumTier: 'standard',
    triedAdvisorIds: [],
    ...patch,
  };
}

const progress: CallProgress = { tried: [], ownerWaitTimedOut: false, ownerChoice: null, peakChoice: null, firstCallAt: NOW, callId: 'node0:me' };

describe('telephony: callers waiting on other servers', () => {
  const running: Telephony[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((t) => t.stop()));
  });

  async function telephony(remote: WaitingCaller[] | undefined): Promise<Telephony> {
    const presence = new PresenceBoard({ now: () => NOW, wrapUpMs: 0 });
    presence.track(ADVISOR.id);
    presence.desktopConnected(ADVISOR.id);
    presence.requestState(ADVISOR.id, 'ready');
    presence.phoneState(ADVISOR.id, 'idle');
    const started = await startTelephony({
      config: loadConfig({}, '/nonexistent/.env'),
      store: {
        advisors: { list: async () => [ADVISOR] },
        callers: { findCallerContext: unused, findCallerContextByMemberNo: unused },
        calls: {} as never,
        callbacks: {} as never,
      },
      presence,
      prompts: {} as never,
      logger: silent,
      nodes: [],
      advisorRefreshMs: 0,
      now: () => NOW,
      ...(remote ? { remoteWaiting: () => remote } : {}),
    });
    running.push(started);
    return started;
  }

  const poolWait = (t: Telephony) => t.router.snapshot({ member: null, owner: null, delegates: [] }, progress).expectedWaits.pool;

  it('a free advisor means no wait when nobody waits anywhere', async () => {
    expect(poolWait(await telephony(undefined))).to.deep.include({ known: true, ms: 0, method: 'free-agent' });
    expect(poolWait(await telephony([]))).to.deep.include({ known: true, ms: 0, method: 'free-agent' });
  });

  it('an earlier pool caller on another server is ahead, a later one or an owner-waiting one is not', async () => {
    const ahead = await telephony([remoteCaller('node1:earlier')]);
    // The free advisor goes to the earlier caller; with no handle time known yet, no wait can be promised.
    expect(poolWait(ahead)).to.deep.include({ known: false, reason: 'no-handle-time' });
    const notAhead = await telephony([remoteCaller('node1:later', { firstCallAt: NOW + 1_000 }), remoteCaller('node1:owner', { waitingFor: { kind: 'owner', advisorId: 1 } })]);
    expect(poolWait(notAhead)).to.deep.include({ known: true, ms: 0, method: 'free-agent' });
  });

  it('never hands a freed advisor to a caller waiting on another server', async () => {
    const t = await telephony([remoteCaller('node1:earlier')]);
    expect(t.waitingCallers(), 'this server’s own line').to.deep.equal([]);
    expect(t.waiting.offer(ADVISOR, null, NOW)).to.equal(null);
  });
});
