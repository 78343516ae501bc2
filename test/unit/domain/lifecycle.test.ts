import { expect } from 'chai';
import { lifecycleOf } from '../../../server/domain/lifecycle.js';
import { ValidationError } from '../../../server/shared/errors.js';
import { DAY, NOW } from './builders.js';

const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

describe('domain/lifecycle: stage from J, R and F with the agreed precedence', () => {
  const table: { name: string; J: number; R: number | null; F: number; stage: string; atRisk: boolean; recency: number }[] = [
    { name: 'joined 10 days ago, no purchase', J: 10, R: null, F: 0, stage: 'new', atRisk: false, recency: 10 },
    { name: 'joined 90 days ago, one purchase', J: 90, R: 60, F: 1, stage: 'new', atRisk: false, recency: 60 },
    { name: 'joined 91 days ago, one purchase 30 days ago', J: 91, R: 30, F: 1, stage: 'active', atRisk: false, recency: 30 },
    { name: 'two purchases, last 45 days ago', J: 200, R: 45, F: 2, stage: 'active', atRisk: false, recency: 45 },
    { name: 'two purchases, last 46 days ago', J: 200, R: 46, F: 2, stage: 'active', atRisk: true, recency: 46 },
    { name: 'active beyond R 90 (precedence: not dormant yet)', J: 400, R: 120, F: 2, stage: 'active', atRisk: true, recency: 120 },
    { name: 'four purchases, recent', J: 400, R: 10, F: 4, stage: 'mature', atRisk: false, recency: 10 },
    { name: 'mature at R 180', J: 400, R: 180, F: 6, stage: 'mature', atRisk: true, recency: 180 },
    { name: 'R 181 is dormant even with many purchases', J: 400, R: 181, F: 9, stage: 'dormant', atRisk: false, recency: 181 },
    { name: 'R 365 still dormant', J: 800, R: 365, F: 2, stage: 'dormant', atRisk: false, recency: 365 },
    { name: 'R 366 is lost', J: 800, R: 366, F: 2, stage: 'lost', atRisk: false, recency: 366 },
    { name: 'no purchase in 200 days since joining is dormant', J: 200, R: null, F: 0, stage: 'dormant', atRisk: false, recency: 200 },
    { name: 'new wins over mature within 90 days when F <= 1', J: 5, R: 1, F: 1, stage: 'new', atRisk: false, recency: 1 },
    { name: 'a future joining date counts as today', J: -3, R: null, F: 0, stage: 'new', atRisk: false, recency: 0 },
  ];
  for (const c of table) {
    it(`${c.name} -> ${c.stage}${c.atRisk ? ' (at risk)' : ''}`, () => {
      const life = lifecycleOf({ joinedAt: ago(c.J), lastPurchaseAt: c.R === null ? null : ago(c.R), purchaseCount: c.F }, NOW);
      expect(life).to.include({ stage: c.stage, atRisk: c.atRisk, recencyDays: c.recency, frequency: c.F, joinedDays: Math.max(0, c.J) });
    });
  }
  it('follows configured thresholds', () => {
    const life = lifecycleOf({ joinedAt: ago(400), lastPurchaseAt: ago(100), purchaseCount: 2 }, NOW, {
      newMaxDays: 30,
      newMaxPurchases: 1,
      matureMinPurchases: 2,
      dormantAfterDays: 90,
      lostAfterDays: 200,
      atRiskAfterDays: 30,
    });
    expect(life.stage).to.equal('dormant');
  });
  it('rejects unreadable dates and counts with a clear error', () => {
    expect(() => lifecycleOf({ joinedAt: 'yesterday', lastPurchaseAt: null, purchaseCount: 0 }, NOW)).to.throw(ValidationError, /joinedAt/);
    expect(() => lifecycleOf({ joinedAt: ago(1), lastPurchaseAt: null, purchaseCount: -1 }, NOW)).to.throw(ValidationError, /purchaseCount/);
  });
});
