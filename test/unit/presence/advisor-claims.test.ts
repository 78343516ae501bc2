import { expect } from 'chai';
import { LocalAdvisorClaims } from '../../../server/presence/advisor-claims.js';

describe('presence: advisor claims of one server (who may put a call on an advisor phone)', () => {
  it('gives an advisor to one holder at a time, again to the same holder, and to the next once released', async () => {
    const claims = new LocalAdvisorClaims(() => 1_000);
    expect(await claims.claim(7, 'call:a:1')).to.equal(true);
    expect(await claims.claim(7, 'callback:w:3'), 'a callback may not ring an advisor an inbound leg is ringing').to.equal(false);
    expect(await claims.claim(7, 'call:a:1')).to.equal(true);
    expect(await claims.claim(8, 'callback:w:3'), 'other advisors are free').to.equal(true);
    await claims.release(7, 'callback:w:3');
    expect(await claims.claim(7, 'call:b:1'), 'only the holder releases').to.equal(false);
    await claims.release(7, 'call:a:1');
    expect(await claims.claim(7, 'call:b:1')).to.equal(true);
  });

  it('lets a claim whose release was lost lapse after its time to live', async () => {
    let now = 0;
    const claims = new LocalAdvisorClaims(() => now, 5_000);
    expect(await claims.claim(1, 'call:a:1')).to.equal(true);
    now = 4_999;
    expect(await claims.claim(1, 'call:b:1')).to.equal(false);
    now = 5_000;
    expect(await claims.claim(1, 'call:b:1')).to.equal(true);
  });
});
