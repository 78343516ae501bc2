import { expect } from 'chai';
import type { Store } from '../../../server/store/index.js';
import type { AdvisorRecord } from '../../../server/store/advisors.js';
import { unique } from './support.js';

export interface Team {
  alice: AdvisorRecord;
  bob: AdvisorRecord;
  carol: AdvisorRecord;
}

/** Alice (senior) with delegates Bob then Carol. */
export async function makeTeam(store: Store): Promise<Team> {
  const n = unique();
  const bob = await store.advisors.create({ name: `Bob Li ${n}`, nameZh: '李波', tier: 'senior', endpoint: `PJSIP/b${n}` });
  const carol = await store.advisors.create({ name: `Carol Zhang ${n}`, nameZh: '张可', tier: 'vip', endpoint: `PJSIP/c${n}` });
  const alice = await store.advisors.create({
    name: `Alice Wang ${n}`,
    nameZh: '王丽',
    tier: 'senior',
    endpoint: `PJSIP/a${n}`,
    delegates: [bob.id, carol.id],
  });
  return { alice, bob, carol };
}

/** A Chinese mobile number (E.164 digits) unique within the test run. */
export function mobile(): string {
  return `86139${String(unique()).padStart(8, '0')}`;
}

export async function expectRejection(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as Error;
  }
  expect.fail(`expected a ${type.name}`);
}
