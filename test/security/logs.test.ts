import { Writable } from 'node:stream';
import { expect } from 'chai';
import { DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import type { RunningServer } from '../../server/app-server.js';
import { createLogger } from '../../server/shared/logger.js';
import type { Simulator } from '../../sim/index.js';
import { api, Desktops, login, routedCall, seededWorkdir, serverEnv, startInProcess, startPbx, waitAllAvailable, waitFor, type Workdir } from '../reliability/support.js';

// A whole working scenario at debug level with every log line captured, then grepped for
// what must never be written down: tokens, passwords (right or wrong), the AMI/ARI secret,
// and members' phone numbers and names.
const AMI_SECRET = 'Am1-Secr3t-f00d';
const WRONG_PASSWORD = 'Wr0ng-Pa55word!';
const NEW_MEMBER = { memberNo: 'M-LOG-0001', name: 'Zhuge Kongming', level: 'gold', phones: ['13712345678'], ownerId: null, timeZone: 'Asia/Shanghai' };

describe('security: no secret, token, password or member record in the logs of a run (debug level, captured)', function () {
  this.timeout(90_000);
  let work: Workdir;
  let sim: Simulator;
  let server: RunningServer;
  let desktops: Desktops;
  const lines: string[] = [];

  before(async () => {
    work = await seededWorkdir();
    sim = await startPbx({ username: 'ctiops', secret: AMI_SECRET });
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    server = await startInProcess(serverEnv(sim, work.dbUrl, { CTI_LOG_LEVEL: 'debug' }), work.dir, { logger: createLogger('debug', capture) });
    desktops = new Desktops(server.url);
  });
  after(async () => {
    desktops?.close();
    await server?.close();
    await sim?.close();
    work?.remove();
  });

  it('runs sign-in (right and wrong), member search and creation, a callback, a routed call with a pop and sign-out, and the log holds none of the secrets', async () => {
    const supervisor = await login(server.url, 'supervisor');
    const aliceToken = await login(server.url, 'alice');
    expect((await api(server.url, 'POST', '/api/auth/login', undefined, { username: 'alice', password: WRONG_PASSWORD })).status).to.equal(401);
    const member = (await api(server.url, 'GET', `/api/members?phone=${DEMO_FIRST_MEMBER.phone}`, supervisor)).body.items[0] as { id: number; name: string; phones: string[] };
    await api(server.url, 'GET', `/api/members/${member.id}`, aliceToken);
    await api(server.url, 'GET', `/api/members?q=${encodeURIComponent(member.name)}`, supervisor);
    expect((await api(server.url, 'POST', '/api/members', supervisor, NEW_MEMBER)).status).to.equal(201);
    expect((await api(server.url, 'POST', '/api/callbacks', supervisor, { memberId: member.id, number: DEMO_FIRST_MEMBER.phone, note: 'call back about the order' })).status).to.equal(201);
    expect((await api(server.url, 'POST', '/api/members/1/owner', supervisor, { advisorId: 2, note: 'handover while on leave' })).status).to.be.oneOf([200, 201]);
    expect((await api(server.url, 'POST', '/api/members/1/owner', supervisor, { advisorId: 1, note: 'back from leave' })).status).to.be.oneOf([200, 201]);

    await desktops.signIn();
    await waitAllAvailable(server.url, supervisor);
    const call = await routedCall(sim, DEMO_FIRST_MEMBER.phone);
    await waitFor('the pop reached Alice', () => desktops.pops.get(DEMO_FIRST_MEMBER.ownerEndpoint)!.length > 0);
    call.call.hangup();
    await waitFor('the call is stored as ended', async () => (await server.store.calls.list({ outcome: 'answered' }, { limit: 5, offset: 0 })).items.some((c) => c.endedAt));
    desktops.close();
    expect((await api(server.url, 'POST', '/api/auth/logout', undefined)).status).to.equal(401);
    expect((await api(server.url, 'POST', '/api/auth/logout', aliceToken)).status).to.equal(204);
    // A forged bearer header must not be echoed either.
    await api(server.url, 'GET', '/api/me', 'forged-token-abcdef0123456789');

    const log = lines.join('');
    // The capture really saw the run: without these the greps below would prove nothing.
    for (const expected of ['user signed in', 'desktop connected', 'AMI connected', '"level":20']) expect(log, `log mentions ${expected}`).to.include(expected);
    expect(lines.length).to.be.greaterThan(50);

    const national = (p: string) => p.replace(/^86/, '');
    const forbidden: Record<string, string> = {
      'supervisor token': supervisor,
      'agent token': aliceToken,
      'forged token': 'forged-token-abcdef0123456789',
      'demo password': 'demo1234',
      'wrong password': WRONG_PASSWORD,
      'AMI/ARI secret': AMI_SECRET,
      "member's phone": national(DEMO_FIRST_MEMBER.phone),
      "member's name": member.name,
      "new member's phone": NEW_MEMBER.phones[0]!,
      "new member's name": NEW_MEMBER.name,
      'callback note': 'call back about the order',
      'password hash': 'scrypt$',
    };
    for (const [what, value] of Object.entries(forbidden)) {
      const at = log.indexOf(value);
      expect(at, `${what} appears in the log: …${log.slice(Math.max(0, at - 200), at + 60)}…`).to.equal(-1);
    }
    expect(log).to.not.match(/authorization"\s*:\s*"Bearer/i);
  });
});
