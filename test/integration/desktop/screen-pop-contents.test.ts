// What the agent's screen pop carries, over the real server, simulator and Socket.IO: the
// member, their own advisor and why the call came here, and the handover note of the
// member's last move to this advisor, the moment the phone rings.
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { DEMO_FIRST_MEMBER } from '../../../db/seeds/demo.js';
import { startTestServer, type TestServer } from '../../support/server-harness.js';
import { collect, emitWithAck, openDesktop, waitFor } from '../../security/support.js';

interface Pop {
  phase: string;
  reason: string;
  member: { id: number } | null;
  owner: { id: number } | null;
  handoverNote: { text: string; at: string } | null;
}

describe('screen pop contents: member, own advisor, reason and the handover note', function () {
  this.timeout(60_000);
  let server: TestServer;
  const sockets: Socket[] = [];

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await server?.stop();
  });

  it("a member moved to Bob with a note calls: Bob's pop names Bob as the own advisor and shows the note as he is rung", async () => {
    const supervisor = await server.login('supervisor');
    const bob = await server.login('bob');
    const bobId = (await server.request('GET', '/api/me', { token: bob })).body.advisorId as number;
    const memberId = (await server.store.members.getByMemberNo(DEMO_FIRST_MEMBER.memberNo))!.id;
    const note = 'Prefers calls after 18:00; asked about the autumn oolong';
    const moved = await server.request('POST', `/api/members/${memberId}/owner`, { token: supervisor, body: { advisorId: bobId, reason: 'member-request', note } });
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);

    const { socket, error } = await openDesktop(server, bob);
    sockets.push(socket);
    if (error) throw error;
    const pops = collect<Pop>(socket, 'screen-pop');
    expect(await emitWithAck(socket, 'agent:state', { state: 'ready' })).to.deep.equal({ ok: true });
    await waitFor('Bob ready', () => server.presence.get(bobId)?.desktop === 'ready');

    const caller = server.demo!.simulator.call({ from: DEMO_FIRST_MEMBER.phone, keys: ['2', '1'] });
    const pop = await waitFor('the pop at Bob', () => pops.find((p) => p.phase === 'ringing'), 20_000);
    expect(pop.reason).to.equal('own-advisor');
    expect(pop.member?.id).to.equal(memberId);
    expect(pop.owner?.id).to.equal(bobId);
    expect(pop.handoverNote?.text).to.equal(note);
    caller.hangup();
  });
});
