// How the call flow books a callback a caller asked for. Injected, so the callback engine
// can put its own service (dedupe, pacing notes) behind it; `callbackPortFromStore` is
// the plain version over the callback store. The flow awaits it fully before the
// confirmation prompt: a caller is never told about a callback that is not stored.
import type { CallbackReason } from '../../domain/model.js';
import type { CallbackStore } from '../../store/callbacks.js';
import { SYSTEM_ACTOR } from '../../store/callback-audit.js';

export interface CallbackRequest {
  memberId: number | null;
  number: string;
  reason: Extract<CallbackReason, 'requested' | 'peak-offer'>;
  preferredAdvisorId: number | null;
  /** ISO time the caller first called: keeps their place among live callers. */
  firstCallAt: string;
  /** The stored call it came from, when already stored. */
  callId: number | null;
  note: string;
}

export interface CallbackPort {
  request(input: CallbackRequest): Promise<{ id: number }>;
}

export function callbackPortFromStore(store: CallbackStore, maxAttempts: number): CallbackPort {
  return {
    async request(input) {
      const created = await store.create(
        {
          memberId: input.memberId,
          number: input.number,
          reason: input.reason,
          preferredAdvisorId: input.preferredAdvisorId,
          firstCallAt: input.firstCallAt,
          maxAttempts,
          callId: input.callId,
          note: input.note,
        },
        SYSTEM_ACTOR,
      );
      return { id: created.id };
    },
  };
}
