import { expect } from 'chai';
import { CallerGoneError, unlessGone } from '../../../server/pbx/call-flow/inbound-call.js';

describe('call flow: an action on a caller who already hung up', () => {
  it('rejects with CallerGoneError, and the action failing later (channel gone) is not an unhandled rejection that kills the server', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      controller.abort('caller hung up');
      let failAction!: (err: Error) => void;
      const action = new Promise<void>((_, reject) => (failAction = reject));
      const guarded = unlessGone(controller.signal, action);
      let caught: unknown = null;
      await guarded.catch((err: unknown) => (caught = err));
      expect(caught).to.be.instanceOf(CallerGoneError);
      failAction(new Error('ARI 404: Channel not found'));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
