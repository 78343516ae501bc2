import { expect } from 'chai';
import { startOfLocalDay } from '../../../server/domain/local-time.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("domain/local-time: where the center's day starts", () => {
  it('starts "today" at local midnight, not UTC midnight: 07:30 in Shanghai is still the same local day as 00:10', () => {
    // 2026-11-23 07:30 Shanghai = 2026-11-22 23:30 UTC: UTC would count it as yesterday.
    expect(iso(startOfLocalDay(at('2026-11-22T23:30:00Z'), 'Asia/Shanghai'))).to.equal('2026-11-22T16:00:00.000Z');
    expect(iso(startOfLocalDay(at('2026-11-22T16:00:00Z'), 'Asia/Shanghai')), 'exactly midnight').to.equal('2026-11-22T16:00:00.000Z');
    expect(iso(startOfLocalDay(at('2026-11-22T15:59:59.999Z'), 'Asia/Shanghai')), 'a millisecond before').to.equal('2026-11-21T16:00:00.000Z');
    expect(iso(startOfLocalDay(at('2026-11-23T12:34:56.789Z'), 'UTC'))).to.equal('2026-11-23T00:00:00.000Z');
  });

  it('finds midnight across a daylight-saving change earlier the same day', () => {
    // London springs forward at 01:00 UTC on 2026-03-29: midnight was still GMT (00:00 UTC).
    expect(iso(startOfLocalDay(at('2026-03-29T15:00:00Z'), 'Europe/London'))).to.equal('2026-03-29T00:00:00.000Z');
    // It falls back at 01:00 UTC on 2026-10-25: midnight was BST (23:00 UTC the day before).
    expect(iso(startOfLocalDay(at('2026-10-25T15:00:00Z'), 'Europe/London'))).to.equal('2026-10-24T23:00:00.000Z');
    // New York springs forward at 07:00 UTC on 2026-03-08; midnight was EST (05:00 UTC).
    expect(iso(startOfLocalDay(at('2026-03-08T20:00:00Z'), 'America/New_York'))).to.equal('2026-03-08T05:00:00.000Z');
  });
});
