// The dispatcher's snapshot of the queue: the due callbacks, each with the member's level
// (tier rules) and the pacing decision at `now` from the member's time zone and contact
// log. Three queries for the whole snapshot (due callbacks with member facts, recent
// contacts of their members, of the callers who are not members), whatever the queue length.
import type { CallbackCandidate } from '../domain/dispatch.js';
import type { CallbackReason } from '../domain/model.js';
import { WEEK_MS, isProactive, pacingDecision, type ContactRecord, type PacingSettings } from '../domain/pacing.js';
import type { CallbackStore, DueCallback } from '../store/callbacks.js';
import type { ContactEntry, ContactKind, ContactLogStore, ContactWithReason } from '../store/contact-log.js';

export interface CandidateStore {
  callbacks: Pick<CallbackStore, 'listDue'>;
  contacts: Pick<ContactLogStore, 'listRecentForNumbers' | 'listRecentForMembers'>;
}

export interface CandidateLoaderOptions {
  store: CandidateStore;
  pacing: PacingSettings;
  /** For callers who are not members (no zone on record). */
  defaultTimeZone: string;
  /** How many due callbacks one snapshot holds, most urgent first. */
  limit?: number;
}

export interface QueueSnapshot {
  at: number;
  candidates: CallbackCandidate[];
}

/** The pacing view of one contact-log entry. */
export function contactRecordOf(entry: ContactEntry | ContactWithReason): ContactRecord {
  const reason: CallbackReason | null =
    'callbackReason' in entry
      ? entry.callbackReason
      : entry.kind === 'requested'
        ? 'requested'
        : entry.kind === 'abandoned'
          ? 'abandoned'
          : entry.callbackId !== null
            ? 'manual'
            : null;
  return { at: Date.parse(entry.at), callbackId: entry.callbackId, callbackReason: reason };
}

/** How a dial attempt of a callback of this reason is written to the contact log. */
export function contactKindOf(reason: CallbackReason): ContactKind {
  if (reason === 'abandoned') return 'abandoned';
  if (reason === 'requested' || reason === 'peak-offer') return 'requested';
  return 'proactive';
}

export class CandidateLoader {
  constructor(private readonly options: CandidateLoaderOptions) {}

  async load(now: number): Promise<QueueSnapshot> {
    const due = await this.options.store.callbacks.listDue({ limit: this.options.limit ?? 1000, dueBy: new Date(now).toISOString() });
    const since = new Date(now - WEEK_MS).toISOString();
    // Only proactive callbacks are paced by past contacts; member-asked ones by quiet hours alone.
    const paced = due.filter((d) => isProactive(d.callback.reason));
    const memberIds = paced.flatMap((d) => (d.callback.memberId === null ? [] : [d.callback.memberId]));
    const numbers = paced.flatMap((d) => (d.callback.memberId === null ? [d.callback.number] : []));
    const { contacts: log } = this.options.store;
    const byMember = memberIds.length ? await log.listRecentForMembers(memberIds, since) : new Map<number, ContactWithReason[]>();
    const byNumber = numbers.length ? await log.listRecentForNumbers(numbers, since) : new Map<string, ContactEntry[]>();
    const candidates: CallbackCandidate[] = [];
    for (const entry of due) {
      const { callback } = entry;
      let contacts: ReadonlyArray<ContactEntry | ContactWithReason> = [];
      if (isProactive(callback.reason)) {
        contacts = callback.memberId !== null ? (byMember.get(callback.memberId) ?? []) : (byNumber.get(callback.number) ?? []);
      }
      candidates.push(this.candidate(entry, contacts, now));
    }
    return { at: now, candidates };
  }

  private candidate(entry: DueCallback, contacts: ReadonlyArray<ContactEntry | ContactWithReason>, now: number): CallbackCandidate {
    const { callback } = entry;
    const pacing = pacingDecision(
      {
        callback: { id: callback.id, reason: callback.reason, attempts: callback.attempts, maxAttempts: callback.maxAttempts },
        timeZone: entry.timeZone || this.options.defaultTimeZone,
        contacts: contacts.map(contactRecordOf),
        override: callback.pacingOverrideReason ? { by: callback.pacingOverrideBy ?? 0, reason: callback.pacingOverrideReason } : null,
        now,
      },
      this.options.pacing,
    );
    return { callback, memberLevel: entry.memberLevel, pacing };
  }
}
