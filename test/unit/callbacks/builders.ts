// Builders with defaults for the callback engine's unit tests.
import type { CallbackCandidate } from '../../../server/domain/dispatch.js';
import type { AdvisorPresence } from '../../../server/domain/model.js';
import type { AdvisorRecord } from '../../../server/store/advisors.js';
import type { CallbackRecord } from '../../../server/store/callbacks.js';
import type { WaitingCaller } from '../../../server/routing/waiting-choice.js';

/** Monday 2026-03-02 10:00 in Shanghai (02:00 UTC): outside default quiet hours. */
export const NOW = Date.parse('2026-03-02T02:00:00Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export function advisorRecord(id: number, over: Partial<AdvisorRecord> = {}): AdvisorRecord {
  return {
    id,
    name: `Advisor${id}`,
    nameZh: `顾问${id}`,
    tier: 'senior',
    endpoint: `PJSIP/10${id}`,
    active: true,
    capacity: 650,
    createdAt: '2025-01-01T00:00:00Z',
    leftAt: null,
    updatedAt: '2025-01-01T00:00:00Z',
    delegates: [],
    ...over,
  };
}

export function callbackRecord(id: number, over: Partial<CallbackRecord> = {}): CallbackRecord {
  const at = new Date(NOW - 10 * MIN).toISOString();
  return {
    id,
    memberId: null,
    number: `86139000000${String(id).padStart(2, '0')}`,
    reason: 'requested',
    state: 'pending',
    preferredAdvisorId: null,
    assignedAdvisorId: null,
    priority: 0,
    firstCallAt: at,
    dueAt: at,
    ladderFrom: at,
    attempts: 0,
    maxAttempts: 3,
    lastResult: null,
    reservedBy: null,
    leaseUntil: null,
    callId: null,
    createdAt: at,
    updatedAt: at,
    scheduled: false,
    cancelReason: null,
    pacingOverrideReason: null,
    pacingOverrideBy: null,
    completedBy: null,
    completedAt: null,
    note: '',
    ...over,
  };
}

export function allowed(callback: CallbackRecord): CallbackCandidate {
  return { callback, memberLevel: null, pacing: { allowed: true, overridden: [], override: null, explanation: 'allowed' } };
}

export function readyIdle(advisorId: number): AdvisorPresence {
  return {
    advisorId,
    desktop: 'ready',
    notReadyReason: null,
    markedAbsent: false,
    phone: 'idle',
    idleSince: NOW - HOUR,
    currentCallSince: null,
    wrapUpUntil: null,
  };
}

export function liveCaller(callId: string, firstCallAt: number): WaitingCaller {
  return {
    callId,
    node: 'node0',
    memberId: null,
    ownerId: null,
    memberLevel: null,
    waitingFor: { kind: 'pool' },
    firstCallAt,
    waitingSince: firstCallAt,
    triedAdvisorIds: [],
  };
}
