// Planning a callback in a real browser against the real server: an agent promises "I'll
// call you back tomorrow at 15:00" from the screen pop and sees it in My callbacks, a
// supervisor plans one from the queue and gives it to another advisor, and a bad number
// shows the API's own message and stores nothing.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { TestServer } from '../support/server-harness.js';
import { browserSuite, chromiumPath, goReady, SKIP_TITLE } from './support/browser.js';
import { advisorByName, memberCalls, memberOwnedBy, phoneAnswersSlowly, shortFrontIvr } from './support/scenario.js';

const CALL_WAIT = 30_000;
/** The browser contexts of the tests run in Shanghai time (support/browser.ts), which has no DST. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;

/** Tomorrow at 15:00 in Shanghai: the value typed into the form and the instant it means. */
function tomorrowAt15() {
  const local = new Date(Date.now() + SHANGHAI_OFFSET_MS);
  const day = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1));
  const input = `${day.toISOString().slice(0, 10)}T15:00`;
  return { input, at: Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 15) - SHANGHAI_OFFSET_MS };
}

/** Submits the open form and returns what POST /api/callbacks answered. */
async function submitForm(page: Page): Promise<{ status: number; body: any }> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/callbacks') && r.request().method() === 'POST'),
    page.locator('.modal button[type=submit]').click(),
  ]);
  return { status: response.status(), body: await response.json() };
}

const executable = chromiumPath();

describe(`e2e: planning a callback from the desktop and the console (headless Chromium)${executable ? '' : ` - ${SKIP_TITLE}`}`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let supervisorToken: string;
  const callers: Array<{ hangup(): void }> = [];
  const { open } = browserSuite({
    prepare: async (started) => {
      server = started;
      shortFrontIvr(server);
      supervisorToken = await server.login('supervisor');
    },
  });

  afterEach(() => {
    for (const caller of callers.splice(0)) caller.hangup();
  });

  const api = (method: string, path: string, body?: unknown) => server.request(method, path, { token: supervisorToken, body });
  const callbackTotal = async () => (await api('GET', '/api/callbacks?limit=1')).body.total as number;

  it('an agent on the call plans "tomorrow at 15:00" from the pop, and it is stored for them and listed in My callbacks', async () => {
    const alice = await advisorByName(server, 'Alice Wang');
    const member = await memberOwnedBy(server, alice.id, 2);
    const agent = await open('alice');
    await goReady(agent);
    phoneAnswersSlowly(server, alice.endpoint);
    callers.push(memberCalls(server, member.phone));
    const pop = agent.page.locator('article.pop.answered');
    await pop.waitFor({ timeout: CALL_WAIT });
    const callerNumber = (await pop.locator('.pop-head .caller').textContent())!.trim();

    await pop.locator('button.plan-callback').click();
    const form = agent.page.locator('.modal');
    expect(await form.locator('h3').textContent()).to.contain(member.name);
    expect(await form.locator('input[name=number]').inputValue(), "prefilled with the caller's number").to.equal(callerNumber);
    const when = tomorrowAt15();
    await form.locator('input[name=dueAt]').fill(when.input);
    // Spelled out in the desktop's language: the browser draws the input in its own locale.
    await form.locator('.cb-form-when', { hasText: '15:00' }).waitFor();
    await form.locator('textarea[name=note]').fill('Promised the autumn oolong prices at 15:00.');
    expect(await form.locator('input[name=memberAsked]').isChecked(), 'planned on the call: the member asked for it').to.equal(true);
    const created = await submitForm(agent.page);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await form.waitFor({ state: 'detached' });
    await agent.page.locator('.toast', { hasText: 'Callback planned for' }).waitFor();

    const stored = (await api('GET', `/api/callbacks/${created.body.id}`)).body;
    expect(stored).to.include({ memberId: member.id, number: callerNumber, preferredAdvisorId: alice.id, note: 'Promised the autumn oolong prices at 15:00.', reason: 'requested', state: 'pending' });
    expect(Date.parse(stored.dueAt), 'due tomorrow at 15:00 Shanghai time').to.equal(when.at);
    // Listed through the server's callbacks:changed push: nobody pressed Refresh.
    const row = agent.page.locator(`.cb-list li[data-callback-id="${created.body.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).to.contain(member.name);
    expect(await pop.locator(`.chip[data-callback-id="${created.body.id}"]`).count(), 'the pop shows the callback it planned').to.equal(1);
    expect(agent.errors).to.deep.equal([]);
  });

  it("a supervisor plans one from the queue for Alice's member, gives it to Bob, and it shows in the queue", async () => {
    const alice = await advisorByName(server, 'Alice Wang');
    const bob = await advisorByName(server, 'Bob Li');
    const member = await memberOwnedBy(server, alice.id, 3);
    const supervisor = await open('supervisor');
    await supervisor.page.locator('nav.tabs a[href="#/callbacks"]').click();
    await supervisor.page.locator('button.new-callback').click();
    const form = supervisor.page.locator('.modal');
    await form.locator('input[name=memberSearch]').fill(member.memberNo);
    await form.locator('input[name=memberSearch]').press('Enter');
    await form.locator(`.search-results .item[data-member-id="${member.id}"] button`).click();
    await form.locator('.cb-form-picked', { hasText: 'own advisor Alice Wang' }).waitFor();
    expect(await form.locator('input[name=number]').inputValue(), "the member's first phone").to.equal(member.phones[0]);
    await form.locator('select[name=assignedAdvisorId]').selectOption(String(bob.id));
    await form.locator('input[name=priority]').fill('7');
    await form.locator('textarea[name=note]').fill('Bob handles the wholesale order.');
    const before = Date.now();
    const created = await submitForm(supervisor.page);
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    await form.waitFor({ state: 'detached' });

    const stored = (await api('GET', `/api/callbacks/${created.body.id}`)).body;
    expect(stored).to.include({ memberId: member.id, number: member.phones[0], preferredAdvisorId: alice.id, assignedAdvisorId: bob.id, priority: 7, note: 'Bob handles the wholesale order.', reason: 'manual' });
    const due = Date.parse(stored.dueAt);
    expect(due, 'by default an hour from now, rounded up to the quarter hour').to.be.within(before + 3600_000 - 60_000, before + 3600_000 + 15 * 60_000);
    expect(new Date(due).getUTCMinutes() % 15).to.equal(0);
    const row = supervisor.page.locator(`tr[data-callback-id="${created.body.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).to.contain(member.name);
    expect(await row.locator('td').nth(4).textContent(), 'owner').to.contain('Alice Wang');
    expect(await row.locator('td').nth(5).textContent(), 'assigned to').to.contain('Bob Li');
    expect(supervisor.errors).to.deep.equal([]);
  });

  it("an empty number shows the API's message in the form and stores nothing", async () => {
    const agent = await open('cathy');
    await agent.page.locator('aside button.plan-callback').click();
    const form = agent.page.locator('.modal');
    await form.locator('input[name=number]').fill('');
    const total = await callbackTotal();
    const refused = await submitForm(agent.page);
    expect(refused.status).to.equal(400);
    const message: string = refused.body.error.message;
    expect(message).to.match(/number/);
    await form.locator('.error-text', { hasText: message }).waitFor();
    expect(await form.count(), 'the form stays open with what was typed').to.equal(1);
    expect(await callbackTotal()).to.equal(total);
    await form.locator('button', { hasText: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    expect(agent.errors).to.deep.equal([]);
  });
});
