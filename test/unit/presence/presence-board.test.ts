import { expect } from 'chai';
import sinon from 'sinon';
import { PresenceBoard, InvalidStateRequestError, type PresenceChange } from '../../../server/presence/presence-board.js';

describe('PresenceBoard', () => {
  let clock: sinon.SinonFakeTimers;
  let board: PresenceBoard;
  let changes: PresenceChange[];

  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    board = new PresenceBoard({ now: () => Date.now(), wrapUpMs: 30_000 });
    changes = [];
    board.on('change', (c) => changes.push(c));
    board.track(1, 'idle');
  });
  afterEach(() => clock.restore());

  it('starts logged out and becomes not-ready on sign-in, then ready and idle-since on request', () => {
    expect(board.get(1)!.desktop).to.equal('logged-out');
    board.desktopConnected(1);
    expect(board.get(1)).to.include({ desktop: 'not-ready', idleSince: null });
    clock.tick(5_000);
    board.requestState(1, 'ready');
    expect(board.get(1)).to.include({ desktop: 'ready', idleSince: 1_005_000 });
  });

  it('refuses a state change from a desktop that is not signed in, changing nothing', () => {
    expect(() => board.requestState(1, 'ready')).to.throw(InvalidStateRequestError);
    expect(board.get(1)!.desktop).to.equal('logged-out');
    expect(changes).to.have.length(0);
  });

  it('puts a ready agent into wrap-up when a call ends and back to ready when it runs out', () => {
    board.desktopConnected(1);
    board.requestState(1, 'ready');
    board.phoneState(1, 'ringing');
    board.phoneState(1, 'in-use');
    expect(board.get(1)!.currentCallSince).to.equal(1_000_000);
    clock.tick(60_000);
    board.phoneState(1, 'idle');
    expect(board.get(1)).to.include({ desktop: 'wrap-up', wrapUpUntil: 1_090_000, idleSince: null });
    clock.tick(29_999);
    expect(board.get(1)!.desktop).to.equal('wrap-up');
    clock.tick(1);
    expect(board.get(1)).to.include({ desktop: 'ready', idleSince: 1_090_000 });
  });

  it('keeps a not-ready agent not ready after a call, with the reason', () => {
    board.desktopConnected(1);
    board.requestState(1, 'not-ready', 'lunch');
    board.phoneState(1, 'in-use');
    board.phoneState(1, 'idle');
    expect(board.get(1)).to.include({ desktop: 'not-ready', notReadyReason: 'lunch' });
  });

  it('an agent request during wrap-up cancels the wrap-up timer', () => {
    board.desktopConnected(1);
    board.requestState(1, 'wrap-up');
    board.requestState(1, 'not-ready', 'coaching');
    clock.tick(60_000);
    expect(board.get(1)!.desktop).to.equal('not-ready');
  });

  it('keeps a bounded list of recent handle times and ignores nonsense', () => {
    const small = new PresenceBoard({ now: () => Date.now(), wrapUpMs: 0, handleTimeSamples: 3 });
    small.track(7);
    for (const ms of [10, -5, 20, Number.NaN, 30, 40]) small.recordHandleTime(7, ms);
    expect(small.recentHandleTimes(7)).to.deep.equal([20, 30, 40]);
  });

  it('emits one change per real change, with its cause', () => {
    board.desktopConnected(1);
    board.desktopConnected(1);
    board.markAbsent(1, true);
    expect(changes.map((c) => c.cause)).to.deep.equal(['desktop connected', 'marked absent']);
    expect(changes[1]!.previous.markedAbsent).to.equal(false);
  });
});
