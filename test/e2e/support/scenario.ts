// Server-side helpers for the browser tests: demo members by owner, phones that ring for
// as long as a test needs, and waiting for what the server stored.
import type { Member } from '../../../server/domain/model.js';
import type { TestServer } from '../../support/server-harness.js';

/** Rings this long before the simulated agent picks up: long enough to watch "ringing". */
export const RING_MS = 4_000;

export function simulator(server: TestServer) {
  const sim = server.demo?.simulator;
  if (!sim) throw new Error('the browser tests need demo mode (the in-process PBX simulator)');
  return sim;
}

export async function advisorByName(server: TestServer, name: string) {
  const advisor = (await server.store.advisors.list()).find((a) => a.name === name);
  if (!advisor) throw new Error(`no demo advisor named ${name}`);
  return advisor;
}

/** A member of this advisor with a phone, for a call that should route to them. */
export async function memberOwnedBy(server: TestServer, advisorId: number, skip = 0): Promise<Member & { phone: string }> {
  const page = await server.store.members.list({ ownerId: advisorId }, { limit: 50, offset: 0 });
  const member = page.items.filter((m) => m.phones.length > 0)[skip];
  if (!member) throw new Error(`advisor ${advisorId} owns no member with a phone`);
  return { ...member, phone: member.phones[0]! };
}

/** The advisor's phone answers after RING_MS and stays on the call until the caller hangs up. */
export function phoneAnswersSlowly(server: TestServer, endpoint: string): void {
  simulator(server).setAgent(endpoint, { kind: 'answer', ringMs: RING_MS, talkMs: 120_000 });
}

/**
 * The front IVR's greetings play for 0.3 s instead of the simulator's 3 s: the tests are
 * about what happens once the call is routed, and this keeps each call short.
 */
export function shortFrontIvr(server: TestServer): void {
  const sim = simulator(server);
  for (const lang of ['zh', 'en']) {
    for (const prompt of ['welcome', 'language-menu', 'service-menu']) sim.setMediaDuration(`cti/${lang}/${prompt}`, 300);
  }
}

/** A member calls in through the front IVR (English, service 1). */
export function memberCalls(server: TestServer, phone: string) {
  return simulator(server).call({ from: phone, keys: ['2', '1'] });
}

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

