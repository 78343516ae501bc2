// The advisor list the console's pickers and tables share; refreshed on demand.
import { get, listOf } from '../../api.js';

let cache = null;

export async function loadAdvisors(force = false) {
  if (!cache || force) cache = listOf(await get('/api/advisors'), 'advisors');
  return cache;
}

export function advisorById(id) {
  return cache?.find((a) => a.id === id) ?? null;
}
