import { expect } from 'chai';
import { hashPassword, verifyPassword } from '../../../server/shared/password.js';
import { ConflictError, ValidationError } from '../../../server/shared/errors.js';
import { describeEachDatabase, unique } from './support.js';
import { expectRejection, makeTeam } from './fixtures.js';

describe('password hashing', () => {
  it('verifies the right password only, and never throws on a malformed hash', async () => {
    const hash = await hashPassword('demo1234');
    expect(hash).to.match(/^scrypt\$/);
    expect(hash).to.not.contain('demo1234');
    expect(await verifyPassword('demo1234', hash)).to.equal(true);
    expect(await verifyPassword('demo1235', hash)).to.equal(false);
    expect(await verifyPassword('demo1234', 'garbage')).to.equal(false);
    expect(await hashPassword('demo1234')).to.not.equal(hash);
  });
});

describeEachDatabase('users and tokens', (get) => {
  it('creates users with hashed passwords and checks credentials', async () => {
    const { store, db } = get();
    const { alice } = await makeTeam(store);
    const username = `alice${unique()}`;
    const user = await store.users.create({ username, password: 'demo1234', role: 'agent', advisorId: alice.id });
    expect(user).to.include({ username, role: 'agent', advisorId: alice.id, active: true });
    const stored = (await db('users').where({ id: user.id }).first('password_hash')) as { password_hash: string };
    expect(stored.password_hash).to.not.contain('demo1234');
    expect((await store.users.verifyCredentials(username.toUpperCase(), 'demo1234'))?.id).to.equal(user.id);
    expect(await store.users.verifyCredentials(username, 'wrong-password')).to.equal(null);
    expect(await store.users.verifyCredentials('nobody-here', 'demo1234')).to.equal(null);
    await expectRejection(store.users.create({ username, password: 'demo1234', role: 'agent' }), ConflictError);
    await expectRejection(store.users.create({ username: `x${unique()}`, password: 'short', role: 'agent' }), ValidationError);
    await expectRejection(store.users.create({ username: `x${unique()}`, password: 'demo1234', role: 'root' as 'admin' }), ValidationError);
    await store.users.setActive(user.id, false);
    expect(await store.users.verifyCredentials(username, 'demo1234')).to.equal(null);
  });

  it('issues tokens that verify until they expire or are revoked', async () => {
    const { store, db, time } = get();
    const user = await store.users.create({ username: `sup${unique()}`, password: 'demo1234', role: 'supervisor' });
    const issued = await store.tokens.issue(user.id, 60_000);
    const row = (await db('access_tokens').where({ id: issued.tokenId }).first('token_hash')) as { token_hash: string };
    expect(row.token_hash).to.have.length(64);
    expect(row.token_hash).to.not.equal(issued.token);
    expect(await store.tokens.verify(issued.token)).to.deep.equal({
      id: user.id,
      username: user.username,
      role: 'supervisor',
      advisorId: null,
      tokenId: issued.tokenId,
      expiresAt: issued.expiresAt,
    });
    expect(await store.tokens.verify(issued.token + 'x')).to.equal(null);
    expect(await store.tokens.verify('')).to.equal(null);
    time.advance(60_001);
    expect(await store.tokens.verify(issued.token), 'expired').to.equal(null);

    const second = await store.tokens.issue(user.id);
    const third = await store.tokens.issue(user.id);
    expect(await store.tokens.revoke(second.tokenId)).to.equal(true);
    expect(await store.tokens.verify(second.token), 'revoked').to.equal(null);
    expect((await store.tokens.verify(third.token))?.tokenId).to.equal(third.tokenId);
    expect(await store.tokens.revokeSessions(user.id)).to.have.length(1);
    expect(await store.tokens.verify(third.token)).to.equal(null);

    const fourth = await store.tokens.issue(user.id);
    await store.users.setActive(user.id, false);
    expect(await store.tokens.verify(fourth.token), 'inactive user').to.equal(null);
  });

  it('purges sign-ins that expired or were revoked before the cutoff, and keeps the live ones', async () => {
    const { store, db, time } = get();
    const user = await store.users.create({ username: `purge${unique()}`, password: 'demo1234', role: 'supervisor' });
    const expired = await store.tokens.issue(user.id, 60_000);
    const revoked = await store.tokens.issue(user.id);
    await store.tokens.revoke(revoked.tokenId);
    time.advance(120_000);
    const live = await store.tokens.issue(user.id);
    const ids = [expired.tokenId, revoked.tokenId, live.tokenId];
    const left = async () => ((await db('access_tokens').whereIn('id', ids).select('id')) as Array<{ id: number }>).map((r) => Number(r.id)).sort((a, b) => a - b);
    await store.tokens.purge(new Date(time.now.getTime() - 180_000));
    expect(await left(), 'nothing of these ended before that cutoff').to.deep.equal(ids);
    expect(await store.tokens.purge(time.clock())).to.be.at.least(2);
    expect(await left()).to.deep.equal([live.tokenId]);
    expect((await store.tokens.verify(live.token))?.tokenId).to.equal(live.tokenId);
  });
});
