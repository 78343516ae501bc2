import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { startTestServer, type TestServer } from '../../support/server-harness.js';

describe('foundation: server on SQLite with demo data', function () {
  this.timeout(60_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => server?.stop());

  it('answers /healthz with 200 after migrating and seeding on first start', async () => {
    const res = await server.request('GET', '/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ ok: true, database: 'up', demoMode: true });
    const advisors = await server.store.advisors.list();
    expect(advisors).to.have.length(12);
  });

  it('signs a demo user in and knows them by the token', async () => {
    const login = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'demo1234' } });
    expect(login.status).to.equal(200);
    expect(login.body.user).to.deep.include({ username: 'alice', role: 'agent', advisorId: 1 });
    const me = await server.request('GET', '/api/me', { token: login.body.token });
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ username: 'alice', role: 'agent' });
    expect(me.body.advisor).to.include({ id: 1, endpoint: 'PJSIP/1001' });
  });

  it('refuses /api/me without a token, with a bad one, and after logout', async () => {
    expect((await server.request('GET', '/api/me')).status).to.equal(401);
    expect((await server.request('GET', '/api/me', { token: 'not-a-token' })).status).to.equal(401);
    const token = await server.login('bob');
    expect((await server.request('POST', '/api/auth/logout', { token })).status).to.equal(204);
    const after = await server.request('GET', '/api/me', { token });
    expect(after.status).to.equal(401);
    expect(after.body.error.code).to.equal('unauthorized');
  });

  it('gives the same 401 for a wrong password and an unknown user: no hint which part was wrong', async () => {
    const wrongPassword = await server.request('POST', '/api/auth/login', { body: { username: 'alice', password: 'nope' } });
    const unknownUser = await server.request('POST', '/api/auth/login', { body: { username: 'nobody', password: 'demo1234' } });
    expect(wrongPassword.status).to.equal(401);
    expect(unknownUser.status).to.equal(401);
    expect(wrongPassword.body).to.deep.equal(unknownUser.body);
    expect(JSON.stringify(wrongPassword.body)).not.to.match(/password is|no such user|unknown user/i);
  });

  it('finds a member by any of their phone numbers in several formats', async () => {
    const token = await server.login('supervisor');
    const created = await server.request('POST', '/api/members', {
      token,
      body: { memberNo: 'T900001', name: 'Test Member', level: 'gold', phones: ['+86 139 1234 5678', '021-6543-2100'], ownerId: 2, timeZone: 'Asia/Shanghai' },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    for (const format of ['+86 139 1234 5678', '8613912345678', '0086-139-1234-5678', '139 1234 5678', '(139) 1234-5678', '+86 21 6543 2100']) {
      const res = await server.request('GET', `/api/members?phone=${encodeURIComponent(format)}`, { token });
      expect(res.status).to.equal(200);
      expect(res.body.items, format).to.have.length(1);
      expect(res.body.items[0]).to.include({ memberNo: 'T900001', ownerId: 2 });
    }
    const bySearch = await server.request('GET', `/api/members?q=${encodeURIComponent('139-1234-5678')}`, { token });
    expect(bySearch.body.items.map((m: { memberNo: string }) => m.memberNo)).to.include('T900001');
  });

  it('finds the demo member M000001 by phone and shows the owner and lifecycle', async () => {
    const token = await server.login('alice');
    const res = await server.request('GET', `/api/members?phone=${encodeURIComponent('+86 138-0000-0001')}`, { token });
    expect(res.body.items).to.have.length(1);
    const member = res.body.items[0];
    expect(member).to.include({ memberNo: 'M000001', ownerId: 1 });
    expect(member.lifecycle.stage).to.be.oneOf(['new', 'active', 'mature', 'dormant', 'lost']);
  });

  it('rejects bad input with a clear error and changes nothing', async () => {
    const token = await server.login('supervisor');
    const before = await server.store.members.list({}, { limit: 1, offset: 0 });
    const cases = [
      { body: { memberNo: 'X1', name: '', level: 'gold', phones: ['13900000000'] }, field: 'body.name' },
      { body: { memberNo: 'X2', name: 'A', level: 'platinum', phones: ['13900000000'] }, field: 'body.level' },
      { body: { memberNo: 'X3', name: 'A', level: 'gold', phones: ['13900000000'], timeZone: 'Mars/Olympus' }, field: 'body.timeZone' },
    ];
    for (const c of cases) {
      const res = await server.request('POST', '/api/members', { token, body: c.body });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_request');
      expect(res.body.error.message).to.contain(c.field);
    }
    const broken = await server.request('POST', '/api/members', { token, raw: '{"memberNo":' });
    expect(broken.status).to.equal(400);
    expect(broken.body.error.code).to.equal('invalid_json');
    const after = await server.store.members.list({}, { limit: 1, offset: 0 });
    expect(after.total).to.equal(before.total);
  });

  it('lets only supervisors create members', async () => {
    const token = await server.login('alice');
    const res = await server.request('POST', '/api/members', { token, body: { memberNo: 'A1', name: 'A', level: 'regular', phones: ['13700000000'] } });
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('forbidden');
  });

  it('lists advisors with delegates and live presence', async () => {
    const token = await server.login('supervisor');
    const res = await server.request('GET', '/api/advisors', { token });
    expect(res.status).to.equal(200);
    const alice = res.body.find((a: { id: number }) => a.id === 1);
    expect(alice).to.include({ endpoint: 'PJSIP/1001', availability: 'absent' });
    expect(alice.delegates).to.be.an('array').that.is.not.empty;
    expect(alice.members).to.be.greaterThan(0);
  });

  it('publishes the same schemas as OpenAPI 3 and serves Prometheus metrics', async () => {
    const doc = await server.request('GET', '/api/openapi.json');
    expect(doc.body.openapi).to.match(/^3\./);
    const login = doc.body.paths['/api/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.required).to.deep.equal(['username', 'password']);
    expect(doc.body.paths['/api/members/{id}/owner'].post['x-roles']).to.deep.equal(['supervisor', 'admin']);
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).to.contain('cti_http_request_duration_seconds');
  });
});

describe('start-up with a bad environment value', () => {
  it('stops with one clear line naming the variable', function () {
    this.timeout(30_000);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, CTI_PORT: 'abc' },
      encoding: 'utf8',
    });
    expect(result.status).to.equal(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).to.deep.equal(['Invalid configuration: CTI_PORT must be a whole number, got "abc".']);
  });
});
