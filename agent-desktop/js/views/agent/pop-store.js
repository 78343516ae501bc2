// The pops this desktop knows, by popId. Applying the same pop twice (socket event and
// GET /api/pops/current after a reconnect) changes nothing; a phase never goes back.
const PHASE_RANK = { ringing: 0, answered: 1, ended: 2 };

export const pops = new Map();
/** popId -> what the agent typed or picked for that call; survives re-renders and language switches. */
export const drafts = new Map();
let sequence = 0;

export function applyPop(pop) {
  if (!pop || typeof pop.popId !== 'string') return false;
  const known = pops.get(pop.popId);
  if (known && (PHASE_RANK[known.pop.phase] ?? 0) > (PHASE_RANK[pop.phase] ?? 0)) return false;
  if (known && JSON.stringify(known.pop) === JSON.stringify(pop)) return false;
  pops.set(pop.popId, { pop, seq: known?.seq ?? ++sequence, dismissed: known?.dismissed ?? false });
  return true;
}

export function draftFor(popId) {
  let d = drafts.get(popId);
  if (!d) {
    d = { code: null, note: '', saved: false, linkedMember: null, search: '', results: null, plannedCallbacks: [] };
    drafts.set(popId, d);
  }
  return d;
}

/** The agent picked this call among several: show it first. */
export function bringToFront(popId) {
  const entry = pops.get(popId);
  if (entry) entry.seq = ++sequence;
}

export function dismiss(popId) {
  const entry = pops.get(popId);
  if (entry) entry.dismissed = true;
}

/** The pop to show: the newest live call, else the newest ended call not yet dismissed. */
export function visiblePops() {
  const all = [...pops.values()].filter((e) => !e.dismissed).sort((a, b) => b.seq - a.seq);
  const live = all.filter((e) => e.pop.phase !== 'ended');
  const ordered = [...live, ...all.filter((e) => e.pop.phase === 'ended')];
  return ordered.map((e) => e.pop);
}
