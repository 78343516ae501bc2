import { expect } from 'chai';
import { MemoryPopStore } from '../../../server/desktop/pop-store.js';
import { aPop } from './support.js';

describe('MemoryPopStore', () => {
  it('keeps one entry per popId with its latest phase, per agent', async () => {
    const store = new MemoryPopStore();
    await store.save(11, aPop());
    await store.save(11, aPop({ phase: 'answered' }));
    await store.save(12, aPop({ popId: 'other' }));
    expect((await store.current(11)).map((p) => [p.popId, p.phase])).to.deep.equal([['pop-1', 'answered']]);
  });

  it('drops ended pops except the most recent one, which still needs a disposition', async () => {
    const store = new MemoryPopStore();
    await store.save(11, aPop({ popId: 'a', phase: 'ended' }));
    await store.save(11, aPop({ popId: 'b', phase: 'ended' }));
    await store.save(11, aPop({ popId: 'c', phase: 'ringing' }));
    expect((await store.current(11)).map((p) => p.popId)).to.deep.equal(['b', 'c']);
  });

  it('keeps the ack time across later phases and forgets dismissed pops', async () => {
    const store = new MemoryPopStore();
    await store.save(11, aPop());
    await store.markAcked(11, 'pop-1', '2026-11-23T10:00:00.000Z');
    await store.save(11, aPop({ phase: 'ended' }));
    expect((await store.current(11))[0]!.ackedAt).to.equal('2026-11-23T10:00:00.000Z');
    expect(await store.markAcked(11, 'missing', 'x')).to.equal(null);
    await store.remove(11, 'pop-1');
    expect(await store.current(11)).to.be.empty;
  });
});
