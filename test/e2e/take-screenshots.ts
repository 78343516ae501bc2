// Screenshots for docs/desktop.md, taken against the real server with the demo data and
// real traffic through the PBX simulator: completed calls for the statistics, agents in
// every state, a caller waiting for their own advisor, a live delegate pop with a handover
// note, a callback queue, and the "plan a callback" form from the pop and from the queue.
// Run: CTI_TEST_CHROMIUM=/usr/bin/chromium npx tsx test/e2e/take-screenshots.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { chromiumPath, launchBrowser, signIn, type Lang } from './support/browser.js';
import { advisorByName, memberCalls, memberOwnedBy, shortFrontIvr, simulator } from './support/scenario.js';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function agentSocket(server: TestServer, username: string): Promise<Socket> {
  const token = await server.login(username);
  const socket = io(server.url, { auth: { token }, transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function setState(socket: Socket, state: 'ready' | 'not-ready' | 'wrap-up', reason?: string) {
  const res = await socket.timeout(5000).emitWithAck('agent:state', reason ? { state, reason } : { state });
  if (!res?.ok) throw new Error(`agent:state ${state}: ${JSON.stringify(res)}`);
}

async function shot(page: Page, name: string) {
  await sleep(400);
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: true });
  console.log('saved', name);
}

async function main() {
  const executable = chromiumPath();
  if (!executable) throw new Error('set CTI_TEST_CHROMIUM (e.g. /usr/bin/chromium)');
  mkdirSync(OUT, { recursive: true });
  // A short automatic wrap-up, so the agents of the morning's calls are free again at once.
  const server = await startTestServer({ CTI_WRAP_UP: '8s' });
  shortFrontIvr(server);
  const sim = simulator(server);
  const browser = await launchBrowser(executable);
  const sockets: Socket[] = [];
  const callers: Array<{ hangup(): void }> = [];
  try {
    const supToken = await server.login('supervisor');
    const api = (method: string, path: string, body?: unknown) => server.request(method, path, { token: supToken, body });
    const adv = Object.fromEntries(
      await Promise.all(['Alice Wang', 'Bob Li', 'Cathy Zhang', 'David Chen', 'Emma Liu', 'Frank Zhao', 'Grace Huang', 'Henry Zhou', 'Iris Wu', 'Jack Xu', 'Kelly Sun', 'Leo Ma'].map(async (n) => [n.split(' ')[0]!.toLowerCase(), await advisorByName(server, n)])),
    );

    // Alice, Kelly and Leo are away today; everyone else signs in and is ready.
    const present = ['cathy', 'david', 'emma', 'frank', 'grace', 'henry', 'iris', 'jack'];
    for (const name of present) {
      const socket = await agentSocket(server, name);
      sockets.push(socket);
      await setState(socket, 'ready');
      sim.setAgent(adv[name]!.endpoint, { kind: 'answer', ringMs: 1200, talkMs: 600_000 });
    }
    sim.setAgent(adv.bob!.endpoint, { kind: 'answer', ringMs: 1200, talkMs: 600_000 });
    const bobSocket = await agentSocket(server, 'bob');
    sockets.push(bobSocket);
    await setState(bobSocket, 'ready');

    // A morning's worth of finished calls: own advisor, delegate (Alice away) and pool
    // (Kelly and her delegate Leo away).
    const finished = [
      ...(await Promise.all(['cathy', 'david', 'emma', 'frank', 'grace', 'henry', 'iris', 'jack', 'emma', 'frank'].map((n, i) => memberOwnedBy(server, adv[n]!.id, 5 + i)))),
      await memberOwnedBy(server, adv.alice!.id, 7),
      await memberOwnedBy(server, adv.kelly!.id, 7),
    ];
    for (const [i, member] of finished.entries()) {
      const caller = sim.call({ from: member.phone, keys: ['2', '1'], talkMs: 1500 + (i % 4) * 700 });
      await caller.waitBridged(20_000).catch(() => undefined);
      await caller.waitHangup(20_000).catch(() => undefined);
      await sleep(300);
    }
    await sleep(9000);

    // Callbacks in the queue, of every kind.
    // The overdue ones are assigned to advisors who are away today, so the running
    // dispatcher leaves them in the queue; the others are due later.
    const cbMembers = await Promise.all([
      memberOwnedBy(server, adv.alice!.id, 20),
      memberOwnedBy(server, adv.kelly!.id, 20),
      memberOwnedBy(server, adv.leo!.id, 20),
      memberOwnedBy(server, adv.alice!.id, 21),
      memberOwnedBy(server, adv.david!.id, 20),
      memberOwnedBy(server, adv.jack!.id, 20),
    ]);
    const reasons = ['abandoned', 'requested', 'peak-offer', 'abandoned', 'requested', 'manual'] as const;
    const minutes = [-95, -40, -8, -3, 30, 120];
    for (const [i, m] of cbMembers.entries()) {
      await server.store.callbacks.create(
        {
          memberId: m.id,
          number: m.phone,
          reason: reasons[i]!,
          preferredAdvisorId: m.ownerId,
          assignedAdvisorId: minutes[i]! < 0 ? m.ownerId : null,
          firstCallAt: new Date(Date.now() + minutes[i]! * 60_000 - 600_000).toISOString(),
          dueAt: new Date(Date.now() + minutes[i]! * 60_000).toISOString(),
          priority: i === 0 ? 10 : 0,
          maxAttempts: server.config.callbacks.maxAttempts,
        },
        { userId: null, label: 'system' },
      );
    }

    // The member Bob will take for Alice came to her from Kelly, with a handover note.
    const handed = await memberOwnedBy(server, adv.kelly!.id, 3);
    const moved = await api('POST', `/api/members/${handed.id}/owner`, {
      advisorId: adv.alice!.id,
      note: 'Prefers calls after 10:00. Asked about the autumn oolong gift box; send samples before the next order.',
      reason: 'rebalance',
    });
    if (moved.status !== 200) throw new Error(`reassign: ${JSON.stringify(moved.body)}`);

    // Live floor: two on calls, a caller waiting for Cathy, Emma's phone ringing, Henry at
    // lunch, Iris in wrap-up.
    const onCall = [memberCalls(server, (await memberOwnedBy(server, adv.cathy!.id, 30)).phone), memberCalls(server, (await memberOwnedBy(server, adv.david!.id, 30)).phone)];
    callers.push(...onCall);
    await Promise.all(onCall.map((c) => c.waitBridged(30_000)));
    // Cathy is busy: her member keys 1, "wait for Cathy".
    callers.push(sim.call({ from: (await memberOwnedBy(server, adv.cathy!.id, 31)).phone, keys: ['2', '1', '1'] }));
    await waitFor('a caller waiting for Cathy', async () => (await api('GET', '/api/wallboard')).body.waiting.length > 0);
    await setState(sockets[present.indexOf('henry')]!, 'not-ready', 'lunch');

    // Bob starts the picture with a clean desk: the pops of his earlier calls are done with.
    const bobToken = await server.login('bob');
    for (const pop of (await server.request('GET', '/api/pops/current', { token: bobToken })).body.pops) {
      await server.request('POST', `/api/pops/${encodeURIComponent(pop.popId)}/dismiss`, { token: bobToken });
    }
    const desks = [];
    for (const lang of ['en', 'zh'] as Lang[]) desks.push({ lang, bob: await signIn(browser, server, 'bob', lang), sup: await signIn(browser, server, 'supervisor', lang) });
    // The pages are Bob's too: the socket opened above keeps him signed in and ready.
    callers.push(memberCalls(server, handed.phone));
    for (const d of desks) await d.bob.page.locator('article.pop.answered').waitFor({ timeout: 30_000 });
    sim.setAgent(adv.emma!.endpoint, { kind: 'answer', ringMs: 120_000, talkMs: 600_000 });
    callers.push(memberCalls(server, (await memberOwnedBy(server, adv.emma!.id, 30)).phone));
    for (const d of desks) await d.sup.page.locator('section.lane.ringing li').first().waitFor({ timeout: 30_000 });
    await sleep(2500);

    // A member abroad, for the supervisor's form: it shows the time for the member too.
    const abroad = (await server.store.members.list({}, { limit: 500, offset: 0 })).items.find((m) => m.timeZone !== 'Asia/Shanghai' && m.ownerId !== null && m.phones.length > 0);
    if (!abroad) throw new Error('the demo data has no member abroad with an owner');
    const notes = { en: 'Promised the autumn oolong prices; have the gift box stock ready.', zh: '答应告知秋季乌龙茶价格，提前确认礼盒库存。' };

    const iris = sockets[present.indexOf('iris')]!;
    for (const d of desks) {
      await shot(d.bob.page, `agent-pop-${d.lang}`);
      await d.bob.page.locator('article.pop button.plan-callback').click();
      await d.bob.page.locator('.modal input[name=dueAt]').fill(`${new Date(Date.now() + 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10)}T15:00`);
      await d.bob.page.locator('.modal textarea[name=note]').fill(notes[d.lang]);
      await shot(d.bob.page, `plan-callback-${d.lang}`);
      await d.bob.page.keyboard.press('Escape');
      // Iris writes up her last call (a manual wrap-up lasts CTI_WRAP_UP).
      await setState(iris, 'wrap-up');
      await d.sup.page.locator('section.lane.wrapup li').first().waitFor();
      await shot(d.sup.page, `wallboard-${d.lang}`);
      await d.sup.page.locator('nav.tabs a[href="#/callbacks"]').click();
      await d.sup.page.locator('tr[data-callback-id]').first().waitFor();
      await shot(d.sup.page, `callbacks-${d.lang}`);
      await d.sup.page.locator('button.new-callback').click();
      const form = d.sup.page.locator('.modal');
      await form.locator('input[name=memberSearch]').fill(abroad.memberNo);
      await form.locator('input[name=memberSearch]').press('Enter');
      await form.locator(`.search-results .item[data-member-id="${abroad.id}"] button`).click();
      await form.locator('select[name=assignedAdvisorId]').selectOption(String(adv.david!.id));
      await form.locator('input[name=priority]').fill('10');
      await form.locator('textarea[name=note]').fill(notes[d.lang]);
      await shot(d.sup.page, `new-callback-${d.lang}`);
      await d.sup.page.keyboard.press('Escape');
      await d.sup.page.locator('nav.tabs a[href="#/stats"]').click();
      await d.sup.page.locator('.kpis').waitFor();
      await shot(d.sup.page, `stats-${d.lang}`);
    }
    const en = desks[0]!.sup.page;
    await en.locator('nav.tabs a[href="#/members"]').click();
    const recall = en.locator('section.panel', { has: en.locator('h3', { hasText: 'Recall dormant and lost members' }) });
    await recall.locator('button', { hasText: 'Preview' }).click();
    await recall.locator('tr[data-member-id]').first().waitFor();
    const allocation = en.locator('section.panel', { has: en.locator('h3', { hasText: 'Allocate unowned members' }) });
    await allocation.locator('button', { hasText: 'Preview' }).click();
    await allocation.locator('tr[data-member-id]').first().waitFor();
    await shot(en, 'members-en');
    await en.locator('nav.tabs a[href="#/calls"]').click();
    await en.locator('.table tbody tr', { hasText: 'Delegate' }).first().click();
    await en.locator('ol.trail li').first().waitFor();
    await shot(en, 'calls-en');
  } finally {
    for (const c of callers) c.hangup();
    for (const s of sockets) s.disconnect();
    await browser.close();
    await server.stop();
  }
}

await main();
