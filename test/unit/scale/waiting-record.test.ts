// The pure half of shared waiting callers: what one server writes about its waiting line,
// what another accepts from Redis, and whose callers the wallboard and the expected waits
// then count (live servers' only, never our own record, never an unreadable one).
import { expect } from 'chai';
import { withRemoteCallers } from '../../../server/pbx/call-flow/waiting-callers.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';
import { parseWaitingRecord, remoteCallers, waitingRecord, type WaitingRecord } from '../../../server/scale/waiting-record.js';

const NOW = Date.parse('2026-11-23T10:00:00Z');

function caller(callId: string, patch: Partial<WaitingCaller> = {}): WaitingCaller {
  return {
    callId,
    node: 'node-0',
    memberId: 42,
    ownerId: 7,
    waitingFor: { kind: 'pool' },
    firstCallAt: NOW - 60_000,
    waitingSince: NOW - 30_000,
    memberLevel: 'gold',
    minimumTier: 'senior',
    triedAdvisorIds: [7],
    ...patch,
  };
}

/** A record as Redis stores it: numbered, then JSON. */
function stored(origin: string, callers: WaitingCaller[], seq = 1): string {
  return JSON.stringify({ seq, ...waitingRecord(origin, callers, NOW) });
}

function record(origin: string, callers: WaitingCaller[], seq = 1): WaitingRecord {
  const parsed = parseWaitingRecord(stored(origin, callers, seq));
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.record;
}

describe('scale-out: waiting-callers records', () => {
  it('carries every field routing and the wallboard read, and nothing else', () => {
    const extra = { ...caller('node-0:a', { waitingFor: { kind: 'owner', advisorId: 7 } }), callerNumber: '+8613800000000', memberName: '王丽' };
    const parsed = parseWaitingRecord(stored('server-a', [extra]));
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.dropped).to.equal(0);
    expect(parsed.record).to.deep.include({ seq: 1, origin: 'server-a', at: NOW });
    expect(parsed.record.callers).to.deep.equal([caller('node-0:a', { waitingFor: { kind: 'owner', advisorId: 7 } })]);
    expect(JSON.stringify(parsed.record)).not.to.include('+8613800000000');
    expect(JSON.stringify(parsed.record)).not.to.include('王丽');
  });

  it('refuses text that is not a record', () => {
    expect(parseWaitingRecord('{not json')).to.deep.include({ ok: false, problem: 'not JSON' });
    expect(parseWaitingRecord(JSON.stringify({ origin: 'server-a', at: NOW, callers: [] })).ok, 'no seq').to.equal(false);
    expect(parseWaitingRecord(JSON.stringify({ seq: 1, origin: '', at: NOW, callers: [] })).ok, 'no origin').to.equal(false);
    expect(parseWaitingRecord(JSON.stringify({ seq: 1, origin: 'server-a', at: NOW, callers: 'many' })).ok, 'callers not a list').to.equal(false);
    expect(parseWaitingRecord('null').ok).to.equal(false);
  });

  it('leaves out only the callers it cannot read', () => {
    const text = JSON.stringify({
      seq: 3,
      origin: 'server-a',
      at: NOW,
      callers: [
        caller('node-0:good'),
        { ...caller('node-0:bad-tier'), minimumTier: 'platinum' },
        { ...caller('node-0:bad-wait'), waitingFor: { kind: 'owner' } },
        { ...caller('node-0:bad-time'), firstCallAt: 'yesterday' },
        42,
      ],
    });
    const parsed = parseWaitingRecord(text);
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.record.callers.map((c) => c.callId)).to.deep.equal(['node-0:good']);
    expect(parsed.dropped).to.equal(4);
  });

  it('counts the callers of live servers only, never this server’s own record', () => {
    const records = [
      record('server-a', [caller('node-0:a1', { firstCallAt: NOW - 10_000 }), caller('node-0:a2', { firstCallAt: NOW - 90_000 })]),
      record('server-b', [caller('node-1:b1', { firstCallAt: NOW - 50_000 })]),
      record('server-dead', [caller('node-2:d1')]),
      record('server-self', [caller('node-3:s1')]),
    ];
    const view = remoteCallers(records, new Set(['server-a', 'server-b', 'server-self']), 'server-self');
    expect(view.map((c) => c.callId), 'oldest first call first').to.deep.equal(['node-0:a2', 'node-1:b1', 'node-0:a1']);
  });

  it('lists local and remote callers together, a call on both sides once (as ours)', () => {
    const local = [caller('node-0:mine', { firstCallAt: NOW - 20_000 }), caller('node-0:moved', { firstCallAt: NOW - 40_000, triedAdvisorIds: [] })];
    const remote = [caller('node-1:theirs', { firstCallAt: NOW - 30_000 }), caller('node-0:moved', { firstCallAt: NOW - 40_000, triedAdvisorIds: [7, 8] })];
    const merged = withRemoteCallers(local, remote);
    expect(merged.map((c) => c.callId)).to.deep.equal(['node-0:moved', 'node-1:theirs', 'node-0:mine']);
    expect(merged[0]?.triedAdvisorIds).to.deep.equal([]);
    expect(withRemoteCallers(local, [])).to.deep.equal(local);
  });
});
