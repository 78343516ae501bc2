import { expect } from 'chai';
import fc from 'fast-check';
import { DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { expectErrorShape, fillPath, listOperations, readRows, stateDigest, type JsonSchema, type OpenApiOperation } from './support.js';

// Each generated request breaks at least one part (path, query or body) in a way its
// schema cannot accept, so a 2xx or any change in the database is a defect.
const RUNS = 25;
// The fuzzing sends far more than the production limit (600 a minute) with one token within
// seconds: it gets a higher one, or it would be testing 429s. The limit itself is tested below.
const FUZZ_RATE_LIMIT = { CTI_API_RATE_LIMIT: '100000' };

function typesOf(schema: JsonSchema): string[] {
  if (schema.anyOf) return schema.anyOf.flatMap(typesOf);
  if (schema.const !== undefined) return [typeof schema.const];
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** A JSON value no schema of the given types accepts. */
function wrongValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const types = new Set(typesOf(schema));
  const options: Array<fc.Arbitrary<unknown>> = [];
  if (!types.has('string')) options.push(fc.string({ maxLength: 20 }));
  if (!types.has('integer') && !types.has('number')) options.push(fc.double({ noNaN: true }), fc.integer());
  if (!types.has('boolean')) options.push(fc.boolean());
  if (!types.has('object')) options.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
  if (!types.has('array')) options.push(fc.array(fc.integer(), { maxLength: 3 }));
  if (!types.has('null')) options.push(fc.constant(null));
  if (types.has('integer')) options.push(fc.constantFrom(1.5, -7, 0, 2 ** 60));
  if (schema.enum) options.push(fc.string({ maxLength: 12 }).filter((s) => !(schema.enum as unknown[]).includes(s)));
  if (typeof schema.maxLength === 'number') options.push(fc.constant('x'.repeat(schema.maxLength + 1)));
  if (options.length === 0) options.push(fc.constant(Symbol.for('unused')).map(() => ({ unexpected: true })));
  return fc.oneof(...options);
}

/** A query value the parameter's schema refuses (only for parameters that have a constraint to break). */
function wrongQueryValue(schema: JsonSchema): fc.Arbitrary<string> | null {
  const types = typesOf(schema);
  if (schema.enum) return fc.string({ maxLength: 12 }).filter((s) => !(schema.enum as unknown[]).includes(s)).map((s) => `~${s}`);
  if (schema.anyOf) return fc.string({ maxLength: 10 }).map((s) => `~${s}`);
  if (types.includes('integer')) return fc.oneof(fc.string({ maxLength: 10 }).map((s) => `x${s}`), fc.constantFrom('-1', '1.5', '1e400'));
  if (typeof schema.maxLength === 'number') return fc.constant('q'.repeat(schema.maxLength + 1));
  return null;
}

const anyQueryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("' OR 1=1 --", '%', '_', '\\', '1;DROP TABLE members', '\u0000', '9'.repeat(40)));
const badPathId = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => `x${s}`),
  fc.constantFrom('0', '-1', '1.5', '99999999999999999999999', "1' OR '1'='1", '1;', ' ', 'NaN', 'Infinity'),
);

interface BrokenRequest {
  path: string;
  query: string;
  body: unknown;
}

/** Null for routes that take no input to break (GET /api/me): unknown query keys are ignored by design. */
function brokenRequests(op: OpenApiOperation): fc.Arbitrary<BrokenRequest> | null {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const breakers: Array<fc.Arbitrary<BrokenRequest>> = [];
  const queryString = (entries: Array<[string, string]>) => (entries.length ? `?${new URLSearchParams(entries).toString()}` : '');
  const someQuery = fc.subarray(queryParams).chain((params) => fc.tuple(...params.map((p) => anyQueryValue.map((v) => [p.name, v] as [string, string]))));
  const someBody = op.body ? fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }) : fc.constant(undefined);

  const breakablePath = pathParams.filter((p) => typesOf(p.schema).includes('integer'));
  if (breakablePath.length) {
    breakers.push(
      fc.record({ id: badPathId, query: someQuery, body: someBody }).map(({ id, query, body }) => ({
        path: fillPath(op.path, Object.fromEntries(pathParams.map((p) => [p.name, id]))),
        query: queryString(query),
        body,
      })),
    );
  }
  const breakableQuery = queryParams.map((p) => ({ p, wrong: wrongQueryValue(p.schema) })).filter((x) => x.wrong);
  if (breakableQuery.length && !op.body) {
    breakers.push(
      fc.constantFrom(...breakableQuery).chain(({ p, wrong }) =>
        wrong!.map((value) => ({ path: fillPath(op.path, { id: '1', popId: 'none' }), query: queryString([[p.name, value]]), body: undefined })),
      ),
    );
  }
  if (op.body) {
    const props = Object.entries(op.body.properties ?? {});
    const wrongBodies: Array<fc.Arbitrary<unknown>> = [fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean())];
    if (props.length) {
      wrongBodies.push(
        fc.constantFrom(...props).chain(([name, schema]) =>
          fc.record({ base: fc.dictionary(fc.constantFrom(...props.map(([n]) => n)), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 }), value: wrongValue(schema) }).map(({ base, value }) => ({ ...base, [name]: value })),
        ),
      );
    }
    const required = op.body.required ?? [];
    if (required.length) wrongBodies.push(fc.constant({}));
    breakers.push(fc.oneof(...wrongBodies).map((body) => ({ path: fillPath(op.path, { id: '1', popId: 'none' }), query: '', body })));
  }
  return breakers.length ? fc.oneof(...breakers) : null;
}

describe('security: every REST route refuses bad bodies, queries and paths with 4xx and changes nothing (fast-check over the OpenAPI document)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let admin: string;
  let operations: OpenApiOperation[];

  before(async () => {
    server = await startTestServer(FUZZ_RATE_LIMIT);
    admin = await server.login('admin');
    operations = (await listOperations(server)).filter((op) => !(op.path === '/api/auth/logout'));
  });
  after(async () => {
    await server?.stop();
  });

  it('covers every documented route', () => {
    expect(operations.length).to.be.greaterThan(25);
  });

  it('broken requests to every route: 4xx with { error: { code, message } }, never 5xx, database unchanged', async () => {
    const before = stateDigest(server);
    const seen = new Map<string, Set<number>>();
    let fuzzed = 0;
    for (const op of operations) {
      const key = `${op.method} ${op.path}`;
      const requests = brokenRequests(op);
      if (!requests) continue;
      fuzzed++;
      seen.set(key, new Set());
      await fc.assert(
        fc.asyncProperty(requests, async (req) => {
          const res = await server.request(op.method, req.path + req.query, {
            token: admin,
            ...(req.body === undefined ? {} : { raw: JSON.stringify(req.body) }),
          });
          seen.get(key)!.add(res.status);
          if (res.status < 400 || res.status >= 500 || !expectErrorShape(res.body)) {
            throw new Error(`${op.method} ${req.path}${req.query} body=${JSON.stringify(req.body)} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          }
        }),
        { numRuns: RUNS },
      );
    }
    expect(fuzzed).to.be.greaterThan(20);
    expect(stateDigest(server)).to.deep.equal(before);
    const statuses = new Set([...seen.values()].flatMap((s) => [...s]));
    expect([...statuses].every((s) => s >= 400 && s < 500)).to.equal(true);
    expect(statuses.has(400)).to.equal(true);
  });

  it('random values anywhere (possibly valid) never make a 5xx', async () => {
    const reads = operations.filter((op) => op.method === 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...reads),
        fc.dictionary(fc.string({ maxLength: 12 }), anyQueryValue, { maxKeys: 4 }),
        fc.oneof(fc.integer({ min: -5, max: 3000 }).map(String), fc.string({ maxLength: 10 })),
        async (op, query, id) => {
          const qs = new URLSearchParams(query).toString();
          const res = await server.request('GET', fillPath(op.path, { id, popId: id }) + (qs ? `?${qs}` : ''), { token: admin });
          if (res.status >= 500) throw new Error(`GET ${op.path}?${qs} -> ${res.status} ${JSON.stringify(res.body)}`);
          if (res.status >= 400 && !expectErrorShape(res.body)) throw new Error(`GET ${op.path}: error without { error: { code, message } }`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a body over 100 kB gets 413, malformed JSON 400, both with the error shape and nothing stored', async () => {
    const before = stateDigest(server);
    const big = { memberNo: 'M999999', name: 'x'.repeat(200_000), level: 'gold', phones: ['13900000000'], ownerId: null, timeZone: 'Asia/Shanghai' };
    for (const path of ['/api/members', '/api/auth/login', '/api/callbacks']) {
      const res = await server.request('POST', path, { token: admin, body: big });
      expect(res.status, path).to.equal(413);
      expect(res.body.error.code).to.equal('body_too_large');
    }
    for (const raw of ['{', '{"memberNo":', '[1,2', '\u0000', '{"a":1}}']) {
      const res = await server.request('POST', '/api/members', { token: admin, raw });
      expect(res.status, raw).to.equal(400);
      expect(expectErrorShape(res.body)).to.equal(true);
    }
    expect(stateDigest(server)).to.deep.equal(before);
  });

  it('SQL injection attempts in search and filter parameters return normal results or 400 and leave the database intact', async () => {
    const before = stateDigest(server);
    const attacks = ["' OR '1'='1", "'; DROP TABLE members; --", '" OR ""="', "1) OR (1=1", "%' --", '\\', "' UNION SELECT password_hash FROM users --"];
    for (const attack of attacks) {
      const q = encodeURIComponent(attack);
      for (const path of [
        `/api/members?q=${q}`,
        `/api/members?phone=${q}`,
        `/api/members?memberNo=${q}`,
        `/api/members?ownerId=${q}`,
        `/api/callbacks?state=${q}`,
        `/api/callbacks?createdBefore=${q}`,
        `/api/calls?from=${q}`,
        `/api/advisors?tier=${q}`,
        `/api/stats?from=${q}`,
      ]) {
        const res = await server.request('GET', path, { token: admin });
        expect([200, 400], `${path} -> ${res.status}`).to.include(res.status);
        if (res.status === 200 && Array.isArray(res.body.items)) {
          expect(res.body.items, `${path} returned rows it should not`).to.have.length(0);
        }
        expect(JSON.stringify(res.body)).to.not.match(/scrypt\$/);
      }
    }
    // LIKE wildcards are data, not patterns: '%' and '_' match nothing in the demo names.
    for (const wildcard of ['%', '_', '%%']) {
      const res = await server.request('GET', `/api/members?q=${encodeURIComponent(wildcard)}`, { token: admin });
      expect(res.status).to.equal(200);
      expect(res.body.items).to.have.length(0);
    }
    const normal = await server.request('GET', `/api/members?phone=${DEMO_FIRST_MEMBER.phone}`, { token: admin });
    expect(normal.body.items.map((m: { memberNo: string }) => m.memberNo)).to.deep.equal([DEMO_FIRST_MEMBER.memberNo]);
    expect(stateDigest(server)).to.deep.equal(before);

    // Stored text comes back exactly as sent: quotes are bound parameters, never SQL.
    const name = "Robert'); DROP TABLE members; --";
    const created = await server.request('POST', '/api/members', {
      token: admin,
      body: { memberNo: 'M-INJECT-1', name, level: 'regular', phones: ['13912345678'], ownerId: null, timeZone: 'Asia/Shanghai' },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const found = await server.request('GET', `/api/members?q=${encodeURIComponent("DROP TABLE")}`, { token: admin });
    expect(found.body.items.map((m: { name: string }) => m.name)).to.deep.equal([name]);
    expect(readRows(server, "SELECT COUNT(*) AS n FROM members WHERE name = ?", name)[0]).to.deep.equal({ n: 1 });
  });
});

describe('security: a flood of REST requests is answered 429 and changes nothing (the production limit, 600 a minute)', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('a signed-in user gets 600 requests a minute, then 429 too_many_requests with Retry-After, and a write over the limit is not applied; other users are served', async () => {
    const supervisor = await server.login('supervisor');
    const agent = await server.login('alice');
    const statuses = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const { status } = await server.request('GET', '/api/me', { token: supervisor });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).to.deep.equal({ 200: 600 });
    const limited = await server.request('GET', '/api/me', { token: supervisor });
    expect(limited.status).to.equal(429);
    expect(limited.body.error.code).to.equal('too_many_requests');
    expect(expectErrorShape(limited.body)).to.equal(true);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);

    const before = stateDigest(server);
    const write = await server.request('POST', '/api/members', {
      token: supervisor,
      body: { memberNo: 'M-FLOOD-1', name: 'Over the limit', level: 'regular', phones: ['13912340000'], ownerId: null, timeZone: 'Asia/Shanghai' },
    });
    expect(write.status).to.equal(429);
    expect(stateDigest(server)).to.deep.equal(before);

    expect((await server.request('GET', '/api/me', { token: agent })).status, 'another user is not limited').to.equal(200);
    expect((await server.request('GET', '/healthz')).status).to.equal(200);
  });
});
