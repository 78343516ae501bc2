import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { io as connect, type Socket } from 'socket.io-client';
import { createLogger } from '../../../server/shared/logger.js';
import { closeDatabase, openDatabase } from '../../../server/store/database.js';
import { createStore } from '../../../server/store/index.js';
import { UserStore } from '../../../server/store/users.js';
import { ConflictError } from '../../../server/shared/errors.js';
import { startTestServer, type TestServer } from '../../support/server-harness.js';
import { describeEachDatabase, unique } from '../store/support.js';

interface UserView {
  id: number;
  username: string;
  role: string;
  advisorId: number | null;
  active: boolean;
}

function openDesktop(server: TestServer, token: string): Promise<Socket> {
  const socket = connect(server.url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Resolves with the disconnect reason, or 'still connected' after a while. */
function closedBy(socket: Socket): Promise<string> {
  return Promise.race([
    new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason))),
    new Promise<string>((resolve) => setTimeout(() => resolve('still connected'), 3000)),
  ]);
}

describe('users API: logins an admin can manage', function () {
  this.timeout(60_000);
  let server: TestServer;
  const logLines: string[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    server = await startTestServer({}, { logger: createLogger('info', sink) });
  });
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await server?.stop();
  });

  const admin = () => server.login('admin');
  const status = async (token: string) => (await server.request('GET', '/api/me', { token })).status;
  const desktop = async (token: string) => {
    const socket = await openDesktop(server, token);
    sockets.push(socket);
    return socket;
  };
  async function userNamed(username: string): Promise<UserView> {
    const user = await server.store.users.getByUsername(username);
    if (!user) throw new Error(`no user ${username}`);
    return user;
  }
  async function newAdvisor(name: string): Promise<number> {
    const n = Math.floor(Math.random() * 1e6);
    const res = await server.request('POST', '/api/advisors', {
      token: await server.login('supervisor'),
      body: { name, tier: 'standard', endpoint: `PJSIP/u${n}` },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as number;
  }

  it('lists logins with filters and paging, for admins and supervisors, never with a password hash', async () => {
    const token = await admin();
    const all = await server.request('GET', '/api/users', { token });
    expect(all.status).to.equal(200);
    expect(all.body.total).to.be.at.least(14);
    expect(all.body.items[0]).to.have.keys(['id', 'username', 'role', 'advisorId', 'active', 'createdAt']);
    expect(JSON.stringify(all.body)).to.not.match(/scrypt|password/i);

    const agents = await server.request('GET', '/api/users?role=agent&active=true', { token });
    expect(agents.body.items.every((u: UserView) => u.role === 'agent' && u.active)).to.equal(true);
    const alice = await server.request('GET', '/api/users?advisorId=1', { token });
    expect(alice.body.items.map((u: UserView) => u.username)).to.deep.equal(['alice']);
    const page = await server.request('GET', '/api/users?limit=2&offset=1', { token });
    expect(page.body).to.include({ limit: 2, offset: 1, total: all.body.total });
    expect(page.body.items.map((u: UserView) => u.id)).to.deep.equal(all.body.items.slice(1, 3).map((u: UserView) => u.id));

    expect((await server.request('GET', '/api/users', { token: await server.login('supervisor') })).status).to.equal(200);
    expect((await server.request('GET', '/api/users', { token: await server.login('alice') })).status).to.equal(403);
    const bad = await server.request('GET', '/api/users?role=root', { token });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.contain('query.role');
  });

  it('creates a login that can sign in at once; usernames are unique whatever their case', async () => {
    const token = await admin();
    const created = await server.request('POST', '/api/users', { token, body: { username: 'Night.Lead', password: 'lantern-42', role: 'supervisor' } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ username: 'night.lead', role: 'supervisor', advisorId: null, active: true });
    expect(JSON.stringify(created.body)).to.not.contain('lantern');
    const me = await server.request('GET', '/api/me', { token: await server.login('NIGHT.LEAD', 'lantern-42') });
    expect(me.body).to.include({ username: 'night.lead', role: 'supervisor' });

    const duplicate = await server.request('POST', '/api/users', { token, body: { username: 'NIGHT.lead', password: 'another-one', role: 'admin' } });
    expect(duplicate.status).to.equal(409);
    expect(duplicate.body.error.message).to.contain('already taken');

    const advisorId = await newAdvisor('Nora New');
    const agent = await server.request('POST', '/api/users', { token, body: { username: 'nora', password: 'nora-pass-1', role: 'agent', advisorId } });
    expect(agent.status, JSON.stringify(agent.body)).to.equal(201);
    const nora = await server.request('GET', '/api/me', { token: await server.login('nora', 'nora-pass-1') });
    expect(nora.body).to.include({ role: 'agent', advisorId });
    expect(logLines.some((l) => l.includes('"msg":"user created"') && l.includes(`"userId":${agent.body.id as number}`))).to.equal(true);
  });

  it('refuses bad logins with a clear 400 (or 409 for an advisor already signed up) and creates nothing', async () => {
    const token = await admin();
    const before = (await server.store.users.list()).length;
    const advisorId = await newAdvisor('Olga Other');
    const cases: Array<{ body: Record<string, unknown>; status: number; says: RegExp }> = [
      { body: { username: 'shorty', password: 'short', role: 'supervisor' }, status: 400, says: /body\.password.*at least 8/ },
      { body: { username: 'longy', password: 'x'.repeat(257), role: 'supervisor' }, status: 400, says: /body\.password.*at most 256/ },
      { body: { username: 'a b', password: 'long-enough', role: 'supervisor' }, status: 400, says: /body\.username/ },
      { body: { username: 'rooty', password: 'long-enough', role: 'root' }, status: 400, says: /body\.role/ },
      { body: { username: 'lonely', password: 'long-enough', role: 'agent' }, status: 400, says: /linked to an advisor: send advisorId/ },
      { body: { username: 'ghost', password: 'long-enough', role: 'agent', advisorId: 9999 }, status: 400, says: /Advisor 9999 does not exist/ },
      { body: { username: 'alice2', password: 'long-enough', role: 'agent', advisorId: 1 }, status: 409, says: /Advisor 1 already has an active login/ },
    ];
    for (const c of cases) {
      const res = await server.request('POST', '/api/users', { token, body: c.body });
      expect(res.status, JSON.stringify(c.body).slice(0, 80)).to.equal(c.status);
      expect(res.body.error.message).to.match(c.says);
    }
    for (const who of ['supervisor', 'alice']) {
      const res = await server.request('POST', '/api/users', { token: await server.login(who), body: { username: 'sneaky', password: 'long-enough', role: 'admin' } });
      expect(res.status, who).to.equal(403);
    }
    expect((await server.store.users.list()).length).to.equal(before);
    expect(await server.store.users.getByAdvisor(advisorId)).to.deep.equal([]);
  });

  it('a password reset signs the user out everywhere and closes their open desktop at once', async () => {
    const first = await server.login('bob');
    const second = await server.login('bob');
    const socket = await desktop(first);
    const closed = closedBy(socket);
    const bob = await userNamed('bob');
    const res = await server.request('PATCH', `/api/users/${bob.id}`, { token: await admin(), body: { password: 'fresh-start-9' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(await closed).to.equal('io server disconnect');
    expect(await status(first)).to.equal(401);
    expect(await status(second)).to.equal(401);
    expect((await server.request('POST', '/api/auth/login', { body: { username: 'bob', password: 'demo1234' } })).status).to.equal(401);
    expect(await status(await server.login('bob', 'fresh-start-9'))).to.equal(200);
    const audit = logLines.filter((l) => l.includes('"msg":"user changed"') && l.includes(`"userId":${bob.id}`));
    expect(audit).to.have.length(1);
    expect(audit[0]).to.contain('"changed":["password"]');
    expect(logLines.join('\n')).to.not.contain('fresh-start-9');
    expect(logLines.join('\n')).to.not.contain('scrypt$');
  });

  it('deactivating locks the user out (sessions, desktop, sign-in); reactivating does not revive old sessions', async () => {
    const token = await server.login('cathy');
    const socket = await desktop(token);
    const closed = closedBy(socket);
    const cathy = await userNamed('cathy');
    const off = await server.request('PATCH', `/api/users/${cathy.id}`, { token: await admin(), body: { active: false } });
    expect(off.body).to.include({ active: false });
    expect(await closed).to.equal('io server disconnect');
    expect(await status(token)).to.equal(401);
    expect((await server.request('POST', '/api/auth/login', { body: { username: 'cathy', password: 'demo1234' } })).status).to.equal(401);

    const on = await server.request('PATCH', `/api/users/${cathy.id}`, { token: await admin(), body: { active: true } });
    expect(on.body).to.include({ active: true });
    expect(await status(token), 'the old session stays revoked').to.equal(401);
    expect(await status(await server.login('cathy'))).to.equal(200);
  });

  it('a new role or advisor also ends the sessions (a desktop keeps the rooms it joined); bad changes are refused and change nothing', async () => {
    const token = await admin();
    const created = await server.request('POST', '/api/users', { token, body: { username: 'team.lead', password: 'lead-pass-1', role: 'supervisor' } });
    const id = created.body.id as number;
    const session = await server.login('team.lead', 'lead-pass-1');
    const socket = await desktop(session);

    const refused = [
      { body: { role: 'agent' }, status: 400, says: /linked to an advisor/ },
      { body: { advisorId: 2 }, status: 409, says: /Advisor 2 already has an active login/ },
      { body: { advisorId: 9999 }, status: 400, says: /does not exist/ },
      { body: {}, status: 400, says: /send at least one/ },
      { body: { password: 'short' }, status: 400, says: /body\.password/ },
    ];
    for (const c of refused) {
      const res = await server.request('PATCH', `/api/users/${id}`, { token, body: c.body });
      expect(res.status, JSON.stringify(c.body)).to.equal(c.status);
      expect(res.body.error.message).to.match(c.says);
    }
    expect(await server.store.users.get(id)).to.include({ role: 'supervisor', advisorId: null, active: true });
    expect(await status(session), 'refused changes leave the session alone').to.equal(200);
    expect(socket.connected).to.equal(true);
    expect((await server.request('PATCH', '/api/users/99999', { token, body: { active: false } })).status).to.equal(404);
    for (const who of ['supervisor', 'alice']) {
      expect((await server.request('PATCH', `/api/users/${id}`, { token: await server.login(who), body: { active: false } })).status, who).to.equal(403);
    }

    const closed = closedBy(socket);
    const advisorId = await newAdvisor('Tess Lead');
    const demoted = await server.request('PATCH', `/api/users/${id}`, { token, body: { role: 'agent', advisorId } });
    expect(demoted.status, JSON.stringify(demoted.body)).to.equal(200);
    expect(demoted.body).to.include({ role: 'agent', advisorId });
    expect(await closed).to.equal('io server disconnect');
    expect(await status(session)).to.equal(401);
    const me = await server.request('GET', '/api/me', { token: await server.login('team.lead', 'lead-pass-1') });
    expect(me.body).to.include({ role: 'agent', advisorId });
  });

  it('never leaves the center without an active admin', async () => {
    const demoAdmin = await userNamed('admin');
    let token = await admin();
    for (const body of [{ active: false }, { role: 'supervisor' }]) {
      const res = await server.request('PATCH', `/api/users/${demoAdmin.id}`, { token, body });
      expect(res.status, JSON.stringify(body)).to.equal(409);
      expect(res.body.error.message).to.match(/last active admin.*Make another user an admin first/);
    }
    expect(await server.store.users.get(demoAdmin.id)).to.include({ role: 'admin', active: true });
    expect(await status(token), 'the refused change kept the session').to.equal(200);

    const second = await server.request('POST', '/api/users', { token, body: { username: 'admin.two', password: 'second-admin', role: 'admin' } });
    expect(second.status).to.equal(201);
    const demoted = await server.request('PATCH', `/api/users/${demoAdmin.id}`, { token, body: { role: 'supervisor' } });
    expect(demoted.status, 'with another admin, an admin may step down').to.equal(200);
    expect(await status(token)).to.equal(401);

    token = await server.login('admin.two', 'second-admin');
    const alone = await server.request('PATCH', `/api/users/${second.body.id as number}`, { token, body: { active: false } });
    expect(alone.status).to.equal(409);
    const restored = await server.request('PATCH', `/api/users/${demoAdmin.id}`, { token, body: { role: 'admin' } });
    expect(restored.body).to.include({ role: 'admin' });
    expect(await status(await admin())).to.equal(200);
  });

  it('POST /api/users/:id/revoke-sessions signs the user out everywhere, desktops included; they may sign in again', async () => {
    const first = await server.login('david');
    const second = await server.login('david');
    const socket = await desktop(second);
    const closed = closedBy(socket);
    const david = await userNamed('david');
    const res = await server.request('POST', `/api/users/${david.id}/revoke-sessions`, { token: await admin() });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ userId: david.id, sessionsEnded: 2 });
    expect(await closed).to.equal('io server disconnect');
    expect(await status(first)).to.equal(401);
    expect(await status(second)).to.equal(401);
    expect(await status(await server.login('david'))).to.equal(200);
    expect((await server.request('POST', '/api/users/99999/revoke-sessions', { token: await admin() })).status).to.equal(404);
    for (const who of ['supervisor', 'alice']) {
      expect((await server.request('POST', `/api/users/${david.id}/revoke-sessions`, { token: await server.login(who) })).status, who).to.equal(403);
    }
  });

  it('a user changes their own password: a wrong current one changes nothing; success keeps this session only', async () => {
    const here = await server.login('emma');
    const elsewhere = await server.login('emma');
    const socket = await desktop(elsewhere);
    const wrong = await server.request('POST', '/api/me/password', { token: here, body: { currentPassword: 'not-it-at-all', newPassword: 'emma-new-pass' } });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.message).to.match(/current password is not right, so nothing was changed/);
    const same = await server.request('POST', '/api/me/password', { token: here, body: { currentPassword: 'demo1234', newPassword: 'demo1234' } });
    expect(same.status).to.equal(400);
    const short = await server.request('POST', '/api/me/password', { token: here, body: { currentPassword: 'demo1234', newPassword: 'tiny' } });
    expect(short.body.error.message).to.contain('body.newPassword');
    expect(await status(elsewhere)).to.equal(200);
    expect(socket.connected).to.equal(true);
    expect(await status(await server.login('emma', 'demo1234')), 'the old password still works').to.equal(200);

    const closed = closedBy(socket);
    const ok = await server.request('POST', '/api/me/password', { token: here, body: { currentPassword: 'demo1234', newPassword: 'emma-new-pass' } });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(204);
    expect(await status(here), 'this session stays').to.equal(200);
    expect(await closed).to.equal('io server disconnect');
    expect(await status(elsewhere)).to.equal(401);
    expect((await server.request('POST', '/api/auth/login', { body: { username: 'emma', password: 'demo1234' } })).status).to.equal(401);
    expect(await status(await server.login('emma', 'emma-new-pass'))).to.equal(200);
    expect((await server.request('POST', '/api/me/password', { body: { currentPassword: 'a', newPassword: 'bbbbbbbb' } })).status).to.equal(401);
  });

  it('ten wrong current passwords in a row hold further tries for a while, for that user only', async () => {
    const token = await server.login('grace');
    for (let i = 0; i < 10; i += 1) {
      const res = await server.request('POST', '/api/me/password', { token, body: { currentPassword: `guess-${i}`, newPassword: 'grace-new-pass' } });
      expect(res.status, `guess ${i}`).to.equal(400);
    }
    const held = await server.request('POST', '/api/me/password', { token, body: { currentPassword: 'demo1234', newPassword: 'grace-new-pass' } });
    expect(held.status).to.equal(429);
    expect(held.body.error.code).to.equal('too_many_attempts');
    expect(await status(await server.login('grace')), 'the password was not changed').to.equal(200);
    const other = await server.request('POST', '/api/me/password', { token: await server.login('henry'), body: { currentPassword: 'demo1234', newPassword: 'henry-new-pass' } });
    expect(other.status).to.equal(204);
  });

  it('marking an advisor as left deactivates their login and closes their sessions in the same request', async () => {
    const token = await server.login('frank');
    const socket = await desktop(token);
    const closed = closedBy(socket);
    const frank = await userNamed('frank');
    const left = await server.request('POST', `/api/advisors/${frank.advisorId!}/left`, { token: await server.login('supervisor') });
    expect(left.status, JSON.stringify(left.body)).to.equal(200);
    expect(left.body.active).to.equal(false);
    expect(await closed).to.equal('io server disconnect');
    expect(await status(token)).to.equal(401);
    expect((await server.request('POST', '/api/auth/login', { body: { username: 'frank', password: 'demo1234' } })).status).to.equal(401);
    const listed = await server.request('GET', `/api/users?advisorId=${frank.advisorId!}`, { token: await admin() });
    expect(listed.body.items.map((u: UserView) => [u.username, u.active])).to.deep.equal([['frank', false]]);

    const revive = await server.request('PATCH', `/api/users/${frank.id}`, { token: await admin(), body: { active: true } });
    expect(revive.status).to.equal(400);
    expect(revive.body.error.message).to.contain('has left');
    const replacement = await server.request('POST', '/api/users', {
      token: await admin(),
      body: { username: 'frank2', password: 'long-enough', role: 'agent', advisorId: frank.advisorId },
    });
    expect(replacement.status).to.equal(400);
    expect((await server.request('POST', '/api/advisors/99999/left', { token: await server.login('supervisor') })).status).to.equal(404);
  });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'db/user-cli.ts', ...args], {
      env: { ...process.env, CTI_LOG_LEVEL: 'info', CTI_NEW_PASSWORD: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run user: logins from the command line, on a fresh database', function () {
  this.timeout(120_000);
  let dir: string;
  let env: Record<string, string>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cti-user-cli-'));
    env = { CTI_DB_URL: `sqlite:${join(dir, 'cti.sqlite')}` };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function withStore<T>(body: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> {
    const db = openDatabase(env.CTI_DB_URL!);
    try {
      return await body(createStore(db, { defaultCountry: '86', defaultCapacity: 650, tokenTtlMs: 3_600_000 }));
    } finally {
      await closeDatabase(db);
    }
  }

  it('creates the first admin from CTI_NEW_PASSWORD, migrating the empty database, and never prints the password', async () => {
    const run = await cli(['create', '--username', 'Root', '--role', 'admin'], { ...env, CTI_NEW_PASSWORD: 'first-admin-pw' });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/Created user \d+: root \(admin\)/);
    expect(run.stderr).to.contain('"msg":"user created"');
    expect(run.stdout + run.stderr).to.not.contain('first-admin-pw');
    const root = await withStore((store) => store.users.verifyCredentials('root', 'first-admin-pw'));
    expect(root).to.include({ username: 'root', role: 'admin', active: true });
  });

  it('refuses a password on the command line, a taken username and bad options, creating nothing', async () => {
    const onArgv = await cli(['create', '--username', 'ops', '--role', 'supervisor', '--password', 'visible-in-ps'], env);
    expect(onArgv.code).to.equal(2);
    expect(onArgv.stderr).to.contain('never taken on the command line');
    const taken = await cli(['create', '--username', 'ROOT', '--role', 'supervisor'], { ...env, CTI_NEW_PASSWORD: 'whatever-1' });
    expect(taken.code).to.equal(1);
    expect(taken.stderr).to.contain('Username root is already taken');
    const badRole = await cli(['create', '--username', 'ops', '--role', 'boss'], { ...env, CTI_NEW_PASSWORD: 'whatever-1' });
    expect(badRole.code).to.equal(2);
    expect(badRole.stderr).to.contain('--role must be one of agent, supervisor, admin');
    const noPassword = await cli(['create', '--username', 'ops', '--role', 'supervisor'], env);
    expect(noPassword.code).to.equal(2);
    expect(noPassword.stderr).to.contain('No password given');
    expect(await withStore(async (store) => (await store.users.list()).map((u) => u.username))).to.deep.equal(['root']);
  });

  it('sets a new password read from stdin and revokes the sessions of that user', async () => {
    const session = await withStore(async (store) => {
      const root = (await store.users.getByUsername('root'))!;
      return (await store.tokens.issue(root.id)).token;
    });
    const run = await cli(['password', '--username', 'root'], env, 'piped secret 2\n');
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('New password set for root; 1 session(s) revoked');
    expect(run.stdout + run.stderr).to.not.contain('piped secret 2');
    await withStore(async (store) => {
      expect(await store.users.verifyCredentials('root', 'first-admin-pw')).to.equal(null);
      expect(await store.users.verifyCredentials('root', 'piped secret 2'), 'inner spaces are kept').to.not.equal(null);
      expect(await store.tokens.verify(session)).to.equal(null);
    });
    const unknown = await cli(['password', '--username', 'nobody'], env, 'some-password\n');
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('There is no user nobody');
  });

  it('deactivates a login through `npm run user`, but never the last active admin', async () => {
    const lastAdmin = await cli(['deactivate', '--username', 'root'], env);
    expect(lastAdmin.code).to.equal(1);
    expect(lastAdmin.stderr).to.contain('last active admin');
    const ops = await cli(['create', '--username', 'ops', '--role', 'supervisor'], { ...env, CTI_NEW_PASSWORD: 'ops-password' });
    expect(ops.code, ops.stderr).to.equal(0);
    const run = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'user', '--', 'deactivate', '--username', 'ops'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('Deactivated ops');
    await withStore(async (store) => {
      expect(await store.users.getByUsername('ops')).to.include({ active: false });
      expect(await store.users.getByUsername('root')).to.include({ active: true, role: 'admin' });
    });
  });
});

describeEachDatabase('user store: sessions end with the change, one admin always remains', (get) => {
  it('revokes the live tokens of the user (but the kept one) in the same transaction as the change', async () => {
    const { store } = get();
    const user = await store.users.create({ username: `ops${unique()}`, password: 'ops-password', role: 'supervisor' });
    const kept = await store.tokens.issue(user.id);
    const other = await store.tokens.issue(user.id);
    const changed = await store.users.change(user.id, { password: 'new-password' }, { keepTokenId: kept.tokenId });
    expect(changed.changed).to.deep.equal(['password']);
    expect(changed.endedTokenIds).to.deep.equal([other.tokenId]);
    expect(await store.tokens.verify(kept.token)).to.not.equal(null);
    expect(await store.tokens.verify(other.token)).to.equal(null);
    const off = await store.users.change(user.id, { active: false });
    expect(off.endedTokenIds).to.deep.equal([kept.tokenId]);
    expect((await store.users.change(user.id, { active: true })).endedTokenIds).to.deep.equal([]);
    expect(await store.tokens.verify(kept.token), 'reactivation revives nothing').to.equal(null);
  });

  it('of two admins stepping down at the same moment, one is refused', async () => {
    const { store, openAnother } = get();
    const another = openAnother();
    const second = new UserStore(another, { clock: () => new Date() });
    await another.raw('select 1');
    // Several rounds: two transactions only sometimes overlap, and without the lock on the
    // admins an overlap lets both pass.
    for (let round = 0; round < 10; round += 1) {
      const a = await store.users.create({ username: `a${unique()}`, password: 'admin-password', role: 'admin' });
      const b = await store.users.create({ username: `b${unique()}`, password: 'admin-password', role: 'admin' });
      for (const other of (await store.users.find({ role: 'admin', active: true }, { limit: 500 })).items) {
        if (other.id !== a.id && other.id !== b.id) await store.users.change(other.id, { role: 'supervisor' });
      }
      const results = await Promise.allSettled([store.users.change(a.id, { active: false }), second.change(b.id, { role: 'supervisor' })]);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused, `round ${round}`).to.have.length(1);
      expect(refused[0]!.reason).to.be.instanceOf(ConflictError);
      expect((await store.users.find({ role: 'admin', active: true })).total).to.equal(1);
    }
  });

  it('deactivates every login of an advisor who left, unless that would remove the last admin', async () => {
    const { store } = get();
    const advisor = await store.advisors.create({ name: `Lena ${unique()}`, tier: 'standard', endpoint: `PJSIP/l${unique()}` });
    const agent = await store.users.create({ username: `lena${unique()}`, password: 'lena-password', role: 'agent', advisorId: advisor.id });
    const session = await store.tokens.issue(agent.id);
    const result = await store.users.deactivateForAdvisor(advisor.id);
    expect(result).to.deep.equal({ userIds: [agent.id], endedTokenIds: [session.tokenId] });
    expect(await store.users.get(agent.id)).to.include({ active: false });

    const lead = await store.advisors.create({ name: `Max ${unique()}`, tier: 'senior', endpoint: `PJSIP/m${unique()}` });
    const onlyAdmin = (await store.users.find({ role: 'admin', active: true })).items[0]!;
    await store.users.change(onlyAdmin.id, { advisorId: lead.id });
    let error: unknown;
    await store.users.deactivateForAdvisor(lead.id).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(ConflictError);
    expect(await store.users.get(onlyAdmin.id)).to.include({ active: true });
  });
});
