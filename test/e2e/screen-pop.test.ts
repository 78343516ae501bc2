// Screen pops in a real browser against the real server and the PBX simulator: the pop
// rings on the right desktop only, names the member and their own advisor, says why the
// call came here in the agent's language, survives a reload, and the wallboard follows.
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import type { TestServer } from '../support/server-harness.js';
import { browserSuite, chromiumPath, goReady, SKIP_TITLE } from './support/browser.js';
import { advisorByName, memberCalls, memberOwnedBy, phoneAnswersSlowly, shortFrontIvr, until } from './support/scenario.js';

const CALL_WAIT = 30_000;

const executable = chromiumPath();

describe(`e2e: screen pops in the agent desktop (headless Chromium)${executable ? '' : ` - ${SKIP_TITLE}`}`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let sockets: Socket[] = [];
  const { open } = browserSuite({
    prepare: (started) => {
      server = started;
      shortFrontIvr(server);
    },
  });

  afterEach(() => {
    for (const socket of sockets) socket.disconnect();
    sockets = [];
  });

  async function currentPops(username: string) {
    const token = await server.login(username);
    return (await server.request('GET', '/api/pops/current', { token })).body.pops as Array<{ popId: string; phase: string }>;
  }

  it('pops on the ringing agent with the member and the owner, the wallboard shows ringing -> on call, and the disposition closes the pop', async () => {
    const alice = await advisorByName(server, 'Alice Wang');
    const member = await memberOwnedBy(server, alice.id);
    const supervisor = await open('supervisor');
    const agent = await open('alice');
    await goReady(agent);
    const lane = (name: string) => supervisor.page.locator(`section.lane.${name} li`, { hasText: 'Alice Wang' });
    await lane('ready').waitFor();
    phoneAnswersSlowly(server, alice.endpoint);

    const caller = memberCalls(server, member.phone);
    const pop = agent.page.locator('article.pop');
    // Both must be seen while the phone rings, before the simulated agent picks up.
    await Promise.all([pop.and(agent.page.locator('.ringing')).waitFor({ timeout: CALL_WAIT }), lane('ringing').waitFor({ timeout: CALL_WAIT })]);
    expect(await pop.locator('.member-name h2').textContent()).to.equal(member.name);
    expect(await pop.locator('.owner-card .name').textContent()).to.contain('Alice Wang');
    expect(await pop.locator('.reason').textContent()).to.contain('Your own member');
    expect(await agent.page.locator('.statebar .phone').textContent()).to.contain('Ringing');

    await Promise.all([agent.page.locator('article.pop.answered').waitFor(), lane('oncall').waitFor()]);
    caller.hangup();
    await agent.page.locator('article.pop.ended').waitFor();

    await agent.page.locator('.dispo-codes button').nth(1).click();
    await agent.page.locator('.pop-foot textarea').fill('Asked about the autumn tea gift box.');
    await agent.page.locator('.pop-foot button[type=submit]').click();
    await agent.page.locator('.idle-card').waitFor();
    expect(await currentPops('alice'), 'the saved disposition dismissed the pop on the server').to.deep.equal([]);
    const token = await server.login('supervisor');
    const stored = await server.request('GET', `/api/members/${member.id}`, { token });
    const disposition = stored.body.dispositions[0];
    expect(disposition).to.include({ code: 'question-answered', note: 'Asked about the autumn tea gift box.' });
    expect(disposition.callId, 'the disposition points at the stored call').to.be.a('number');
    expect(agent.errors).to.deep.equal([]);
    expect(supervisor.errors).to.deep.equal([]);
  });

  it('tells the delegate, in their language, whose member is calling when the owner is not signed in', async () => {
    const alice = await advisorByName(server, 'Alice Wang');
    const bob = await advisorByName(server, 'Bob Li');
    expect(alice.delegates?.[0] ?? bob.id).to.equal(bob.id);
    const member = await memberOwnedBy(server, alice.id, 1);
    const delegate = await open('bob', 'zh');
    await goReady(delegate);
    phoneAnswersSlowly(server, bob.endpoint);

    const caller = memberCalls(server, member.phone);
    const pop = delegate.page.locator('article.pop');
    await pop.waitFor({ timeout: CALL_WAIT });
    expect(await pop.locator('.reason').textContent()).to.contain('代理 王丽 接听');
    expect(await pop.locator('.owner-card .name').textContent()).to.contain('王丽');
    expect(await pop.locator('.member-name h2').textContent()).to.equal(member.name);
    caller.hangup();
    await delegate.page.locator('article.pop.ended').waitFor();
    expect(delegate.errors).to.deep.equal([]);
  });

  it("never shows a pop on another agent's page, even with both agents ready", async () => {
    const cathy = await advisorByName(server, 'Cathy Zhang');
    const david = await advisorByName(server, 'David Chen');
    const member = await memberOwnedBy(server, cathy.id);
    const owner = await open('cathy');
    const other = await open('david');
    // Record every pop element the other desktop ever renders, even one removed at once.
    await other.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { popsSeen: string[] }).popsSeen = seen;
      new MutationObserver(() => {
        for (const el of Array.from(document.querySelectorAll<HTMLElement>('article.pop'))) seen.push(el.dataset.popId ?? '?');
      }).observe(document.body, { childList: true, subtree: true });
    });
    // And at the socket level: a second connection of the other agent logs every pop event.
    const otherSocket = io(server.url, { auth: { token: await server.login('david') }, transports: ['websocket'] });
    const socketPops: string[] = [];
    otherSocket.on('screen-pop', (pop: { popId: string }) => socketPops.push(pop.popId));
    otherSocket.on('screen-pop:update', (pop: { popId: string }) => socketPops.push(pop.popId));
    sockets.push(otherSocket);
    await new Promise<void>((resolve) => otherSocket.once('connect', () => resolve()));
    await goReady(owner);
    await goReady(other);
    phoneAnswersSlowly(server, cathy.endpoint);
    phoneAnswersSlowly(server, david.endpoint);

    const caller = memberCalls(server, member.phone);
    await owner.page.locator('article.pop.answered').waitFor({ timeout: CALL_WAIT });
    caller.hangup();
    await owner.page.locator('article.pop.ended').waitFor();
    expect(await other.page.evaluate(() => (window as unknown as { popsSeen: string[] }).popsSeen)).to.deep.equal([]);
    expect(socketPops, "no pop event on the other agent's socket").to.deep.equal([]);
    // What the server keeps for the other agent is empty too: a reload shows nothing.
    await other.page.reload();
    await other.page.locator('.idle-card').waitFor();
    expect(await other.page.locator('article.pop').count()).to.equal(0);
    expect(await currentPops('david')).to.deep.equal([]);
    expect(owner.errors).to.deep.equal([]);
    expect(other.errors).to.deep.equal([]);
  });

  it('keeps the live pop across a page reload, once', async () => {
    const emma = await advisorByName(server, 'Emma Liu');
    const member = await memberOwnedBy(server, emma.id);
    const agent = await open('emma');
    await goReady(agent);
    phoneAnswersSlowly(server, emma.endpoint);

    const caller = memberCalls(server, member.phone);
    await agent.page.locator('article.pop.answered').waitFor({ timeout: CALL_WAIT });
    const popId = await agent.page.locator('article.pop').getAttribute('data-pop-id');
    const current = await until('the pop on the server', async () => (await currentPops('emma')).find((p) => p.popId === popId));
    expect(current.phase).to.equal('answered');

    await agent.page.reload();
    await agent.page.locator('article.pop.answered').waitFor();
    expect(await agent.page.locator('article.pop').count()).to.equal(1);
    expect(await agent.page.locator('article.pop').getAttribute('data-pop-id')).to.equal(popId);
    expect(await agent.page.locator('.others').count(), 'no second copy listed under other calls').to.equal(0);
    expect(await agent.page.locator('.member-name h2').textContent()).to.equal(member.name);
    caller.hangup();
    await agent.page.locator('article.pop.ended').waitFor();
    expect(await agent.page.locator('article.pop').count()).to.equal(1);
    expect(agent.errors).to.deep.equal([]);
  });
});
