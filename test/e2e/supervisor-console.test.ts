// The supervisor console in a real browser against the real server: reassigning a
// callback reaches the agents' lists live, and bulk allocation and recall go preview ->
// apply with history kept and no silent overwrite when the same plan is applied again.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { TestServer } from '../support/server-harness.js';
import { browserSuite, chromiumPath, SKIP_TITLE, type Desk } from './support/browser.js';
import { advisorByName, memberOwnedBy } from './support/scenario.js';

interface PreviewResponse<T> {
  body: T;
}

async function previewFrom<T>(page: Page, path: string, click: () => Promise<void>): Promise<PreviewResponse<T>> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(path) && r.request().method() === 'POST'), click()]);
  expect(response.status(), `${path} answered`).to.equal(200);
  return { body: (await response.json()) as T };
}

const executable = chromiumPath();

describe(`e2e: supervisor console (headless Chromium)${executable ? '' : ` - ${SKIP_TITLE}`}`, function () {
  this.timeout(120_000);
  let server: TestServer;
  let supervisorToken: string;
  const { open } = browserSuite({
    prepare: async (started) => {
      server = started;
      supervisorToken = await server.login('supervisor');
    },
  });

  const api = (method: string, path: string, body?: unknown) => server.request(method, path, { token: supervisorToken, body });

  /** Applies moves as the console does, in batches of 100 (a request body is at most 100 kB). */
  async function applyInBatches(path: string, moves: unknown[]) {
    const total = { applied: 0, skipped: [] as Array<{ memberId: number; why: string }> };
    for (let i = 0; i < moves.length; i += 100) {
      const res = await api('POST', path, { moves: moves.slice(i, i + 100) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      total.applied += res.body.applied;
      total.skipped.push(...res.body.skipped);
    }
    return total;
  }

  it("moves a reassigned callback from one agent's list to the other's without a reload", async () => {
    const alice = await advisorByName(server, 'Alice Wang');
    const bob = await advisorByName(server, 'Bob Li');
    const member = await memberOwnedBy(server, bob.id);
    // Due later today, so the dispatcher leaves it alone while the test looks at the lists.
    const created = await api('POST', '/api/callbacks', {
      memberId: member.id,
      preferredAdvisorId: bob.id,
      dueAt: new Date(Date.now() + 3 * 3600_000).toISOString(),
      note: 'Asked for a call about the gift box',
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const callbackId: number = created.body.id;

    const aliceDesk = await open('alice');
    const bobDesk = await open('bob');
    const row = (desk: Desk) => desk.page.locator(`.cb-list li[data-callback-id="${callbackId}"]`);
    await row(bobDesk).waitFor();
    expect(await row(bobDesk).textContent()).to.contain(member.name);
    expect(await row(aliceDesk).count()).to.equal(0);
    await aliceDesk.page.evaluate(() => ((window as unknown as { stillThisPage: boolean }).stillThisPage = true));

    const supervisor = await open('supervisor');
    await supervisor.page.locator('nav.tabs a[href="#/callbacks"]').click();
    const queueRow = supervisor.page.locator(`tr[data-callback-id="${callbackId}"]`);
    await queueRow.waitFor();
    await queueRow.locator('button', { hasText: 'Assign' }).click();
    await supervisor.page.locator('.modal select').selectOption(String(alice.id));
    await supervisor.page.locator('.modal button[type=submit]').click();
    await supervisor.page.locator('.modal').waitFor({ state: 'detached' });

    await row(aliceDesk).waitFor({ timeout: 10_000 });
    expect(await row(aliceDesk).textContent()).to.contain(member.name);
    await row(bobDesk).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await aliceDesk.page.evaluate(() => (window as unknown as { stillThisPage?: boolean }).stillThisPage), 'no reload').to.equal(true);
    await queueRow.locator('td', { hasText: 'Alice Wang' }).first().waitFor();
    const stored = await api('GET', `/api/callbacks/${callbackId}`);
    expect(stored.body.assignedAdvisorId).to.equal(alice.id);
    for (const desk of [aliceDesk, bobDesk, supervisor]) expect(desk.errors).to.deep.equal([]);
  });

  it('allocates unowned members from a preview; the same plan applied again changes nothing', async () => {
    interface Plan {
      assignments: Array<{ memberId: number; advisorId: number; memberName: string }>;
      unownedTotal: number;
    }
    const supervisor = await open('supervisor');
    await supervisor.page.locator('nav.tabs a[href="#/members"]').click();
    const panel = supervisor.page.locator('section.panel', { has: supervisor.page.locator('h3', { hasText: 'Allocate unowned members' }) });
    const plan = (await previewFrom<Plan>(supervisor.page, '/api/allocation/preview', () => panel.locator('button', { hasText: 'Preview' }).click())).body;
    expect(plan.assignments.length, 'the demo data has unowned members').to.be.greaterThan(0);
    const first = plan.assignments[0]!;
    await panel.locator(`tr[data-member-id="${first.memberId}"]`, { hasText: first.memberName }).waitFor();
    expect((await server.store.members.get(first.memberId))!.ownerId, 'the preview changed nothing').to.equal(null);

    await panel.locator('input[placeholder]').last().fill('Welcome call within a week');
    await panel.locator('button.primary', { hasText: 'Apply' }).click();
    await panel.locator('.result', { hasText: `${plan.assignments.length} moved, 0 skipped` }).waitFor();
    for (const a of plan.assignments.slice(0, 20)) expect((await server.store.members.get(a.memberId))!.ownerId).to.equal(a.advisorId);
    const history = await api('GET', `/api/members/${first.memberId}/history`);
    expect(history.body.at(-1)).to.include({ advisorId: first.advisorId, handoverNote: 'Welcome call within a week', until: null });

    const again = await applyInBatches('/api/allocation/apply', plan.assignments.map(({ memberId, advisorId }) => ({ memberId, advisorId })));
    expect(again.applied).to.equal(0);
    expect(again.skipped).to.have.length(plan.assignments.length);
    expect((await api('GET', `/api/members/${first.memberId}/history`)).body).to.have.length(history.body.length);
    expect(supervisor.errors).to.deep.equal([]);
  });

  it('recalls dormant and lost members with the handover note kept in history; the same plan applied again changes nothing', async () => {
    interface Move {
      memberId: number;
      fromAdvisorId: number;
      toAdvisorId: number;
      cause: string;
      handoverNote: string;
      memberName: string;
    }
    const supervisor = await open('supervisor');
    await supervisor.page.locator('nav.tabs a[href="#/members"]').click();
    const panel = supervisor.page.locator('section.panel', { has: supervisor.page.locator('h3', { hasText: 'Recall dormant and lost members' }) });
    const plan = (await previewFrom<{ moves: Move[] }>(supervisor.page, '/api/recall/preview', () => panel.locator('button', { hasText: 'Preview' }).click())).body;
    expect(plan.moves.length, 'the demo data has dormant or lost members').to.be.greaterThan(0);
    const move = plan.moves[0]!;
    await panel.locator(`tr[data-member-id="${move.memberId}"]`, { hasText: move.memberName }).waitFor();
    expect((await server.store.members.get(move.memberId))!.ownerId, 'the preview changed nothing').to.equal(move.fromAdvisorId);

    await panel.locator('input[placeholder]').last().fill('Reactivation: offer the autumn tasting');
    await panel.locator('button.primary', { hasText: 'Apply' }).click();
    await panel.locator('.result', { hasText: `${plan.moves.length} moved, 0 skipped` }).waitFor({ timeout: 30_000 });

    expect((await server.store.members.get(move.memberId))!.ownerId).to.equal(move.toAdvisorId);
    const history = (await api('GET', `/api/members/${move.memberId}/history`)).body as Array<{ advisorId: number; until: string | null; handoverNote: string }>;
    const previous = history.find((r) => r.advisorId === move.fromAdvisorId);
    const current = history.find((r) => r.until === null);
    expect(previous?.until, 'the previous owner stays in history, closed').to.be.a('string');
    expect(current?.advisorId).to.equal(move.toAdvisorId);
    expect(current?.handoverNote).to.match(/^Reactivation: offer the autumn tasting\n/);
    expect(current?.handoverNote).to.contain(move.handoverNote);

    const again = await applyInBatches('/api/recall/apply', plan.moves.map(({ memberId, fromAdvisorId, toAdvisorId, cause, handoverNote }) => ({ memberId, fromAdvisorId, toAdvisorId, cause, handoverNote })));
    expect(again.applied).to.equal(0);
    expect(again.skipped).to.have.length(plan.moves.length);
    expect(again.skipped[0]).to.deep.equal({ memberId: move.memberId, why: 'owner changed since the preview' });
    expect((await server.store.members.get(move.memberId))!.ownerId).to.equal(move.toAdvisorId);
    expect((await api('GET', `/api/members/${move.memberId}/history`)).body).to.have.length(history.length);
    expect(supervisor.errors).to.deep.equal([]);
  });
});
