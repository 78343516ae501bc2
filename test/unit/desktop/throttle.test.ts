import { expect } from 'chai';
import sinon from 'sinon';
import { latestWinsThrottle } from '../../../server/desktop/throttle.js';

describe('latestWinsThrottle', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => clock.restore());

  it('sends the first value at once and then at most one per interval, the latest', () => {
    const sent: number[] = [];
    const t = latestWinsThrottle<number>({ intervalMs: 1000, send: (v) => sent.push(v) });
    for (let i = 1; i <= 50; i++) {
      t.push(i);
      clock.tick(30);
    }
    // 50 pushes over 1.5 s: the first at once, the latest at 1 s, the final one at 2 s.
    clock.tick(1000);
    expect(sent).to.deep.equal([1, 34, 50]);
  });

  it('pulls the producer only when invalidated, once per interval however many invalidations', async () => {
    let built = 0;
    const sent: number[] = [];
    const t = latestWinsThrottle<number>({ intervalMs: 1000, send: (v) => sent.push(v), produce: () => ++built });
    for (let i = 0; i < 10; i++) t.invalidate();
    await clock.tickAsync(0);
    for (let i = 0; i < 10; i++) t.invalidate();
    await clock.tickAsync(1000);
    await clock.tickAsync(5000);
    expect(sent).to.deep.equal([1, 2]);
  });

  it('keeps going after the producer fails', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const sent: string[] = [];
    const t = latestWinsThrottle<string>({
      intervalMs: 100,
      send: (v) => sent.push(v),
      produce: () => {
        if (fail) throw new Error('db down');
        return 'ok';
      },
      onError: (e) => errors.push(e),
    });
    t.invalidate();
    await clock.tickAsync(0);
    fail = false;
    t.invalidate();
    await clock.tickAsync(200);
    expect(errors).to.have.length(1);
    expect(sent).to.deep.equal(['ok']);
  });

  it('sends nothing after stop', () => {
    const sent: number[] = [];
    const t = latestWinsThrottle<number>({ intervalMs: 1000, send: (v) => sent.push(v) });
    t.push(1);
    t.push(2);
    t.stop();
    clock.tick(5000);
    expect(sent).to.deep.equal([1]);
  });
});
