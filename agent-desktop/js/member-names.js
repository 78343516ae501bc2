// Member names for lists whose rows carry only a member id (calls, callbacks): fetched
// once per member from GET /api/members/:id and kept for the session of this tab.
import { get } from './api.js';

const names = new Map();

/** Fills `memberName` on the rows that lack it; rows of unknown callers stay as they are. */
export async function withMemberNames(rows) {
  const missing = [...new Set(rows.filter((r) => !r.memberName && r.memberId).map((r) => r.memberId))].filter((id) => !names.has(id));
  await Promise.all(
    missing.map(async (id) => {
      try {
        names.set(id, (await get(`/api/members/${id}`)).name);
      } catch {
        names.set(id, null);
      }
    }),
  );
  return rows.map((r) => (r.memberName || !r.memberId || !names.get(r.memberId) ? r : { ...r, memberName: names.get(r.memberId) }));
}
