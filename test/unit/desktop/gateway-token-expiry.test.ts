import { expect } from 'chai';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { SessionTimers } from '../../../server/desktop/auth.js';
import { startHarness, until, USERS, type Harness } from './support.js';

const disconnected = (socket: ClientSocket) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

describe('desktop gateway: a socket does not outlive its token', () => {
  let h: Harness;
  let at: number;
  let armed: Map<number, { fire: () => void; ms: number }>;
  const EXPIRES = Date.parse('2026-11-23T18:00:00.000Z');
  afterEach(async () => h.close());

  beforeEach(async () => {
    at = EXPIRES - 60_000;
    armed = new Map();
    let next = 1;
    const timers: SessionTimers = {
      set(fire, ms) {
        armed.set(next, { fire, ms });
        return next++;
      },
      clear(handle) {
        armed.delete(handle as number);
      },
    };
    h = await startHarness({
      now: () => at,
      timers,
      verifyToken: async (token) => {
        if (token === 'token-alice') return { ...USERS.alice, expiresAt: new Date(EXPIRES).toISOString() };
        if (token === 'token-bob') return USERS.bob;
        return null;
      },
    });
  });

  /** Fires every armed timer as if its time had come. */
  function fireTimers(): void {
    const due = [...armed.entries()];
    for (const [handle, timer] of due) {
      armed.delete(handle);
      timer.fire();
    }
  }

  it('arms a timer for the time left on the token and closes the socket when it fires', async () => {
    const [alice, bob] = await Promise.all([h.connected('alice'), h.connected('bob')]);
    expect([...armed.values()].map((t) => t.ms), 'one timer, for alice only (bob has no expiry)').to.deep.equal([60_000]);
    const closed = disconnected(alice);
    at = EXPIRES;
    fireTimers();
    expect(await closed).to.equal('io server disconnect');
    expect(bob.connected).to.equal(true);
  });

  it('a timer that fires before the token expired re-arms for the rest instead of closing', async () => {
    const alice = await h.connected('alice');
    at = EXPIRES - 1_500;
    fireTimers();
    expect([...armed.values()].map((t) => t.ms)).to.deep.equal([1_500]);
    await new Promise((r) => setTimeout(r, 100));
    expect(alice.connected).to.equal(true);
    at = EXPIRES + 1;
    const closed = disconnected(alice);
    fireTimers();
    expect(await closed).to.equal('io server disconnect');
  });

  it('clears the timer when the desktop disconnects first', async () => {
    const alice = await h.connected('alice');
    expect(armed.size).to.equal(1);
    alice.disconnect();
    await until(() => armed.size === 0);
  });
});
