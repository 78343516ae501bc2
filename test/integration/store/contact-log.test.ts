import { expect } from 'chai';
import { describeEachDatabase, unique } from './support.js';
import { makeTeam, mobile } from './fixtures.js';

const HOUR = 3_600_000;

describeEachDatabase('contact log', (get) => {
  it('gives the dispatcher the recent contacts of many callers who are not members at once, newest first, as one number at a time would', async () => {
    const { store, time } = get();
    const { alice } = await makeTeam(store);
    const [stranger, other, silent] = [mobile(), mobile(), mobile()];
    const member = await store.members.create({ memberNo: `L${unique()}`, name: 'Known', level: 'regular', phones: [mobile()], ownerId: alice.id });
    const at = (hoursAgo: number) => new Date(time.now.getTime() - hoursAgo * HOUR).toISOString();
    await store.contacts.insert({ memberId: null, number: stranger, kind: 'abandoned', at: at(200) });
    await store.contacts.insert({ memberId: null, number: stranger, kind: 'abandoned', at: at(30) });
    await store.contacts.insert({ memberId: null, number: stranger, kind: 'proactive', at: at(2), result: 'no-answer' });
    await store.contacts.insert({ memberId: null, number: other, kind: 'requested', at: at(5) });
    await store.contacts.insert({ memberId: member.id, number: member.phones[0]!, kind: 'proactive', at: at(1) });
    const since = at(7 * 24);

    const batch = await store.contacts.listRecentForNumbers([stranger, other, silent, stranger], since);
    expect([...batch.keys()].sort()).to.deep.equal([stranger, other].sort());
    expect(batch.get(stranger)!.map((c) => c.at)).to.deep.equal([at(2), at(30)]);
    for (const number of [stranger, other]) {
      expect(batch.get(number)).to.deep.equal(await store.contacts.listRecent({ memberId: null, number }, since));
    }
    expect((await store.contacts.listRecentForNumbers([], since)).size).to.equal(0);
  });
});
