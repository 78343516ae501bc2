import { expect } from 'chai';
import fc from 'fast-check';
import type { WebSocket } from 'ws';
import { DEMO_FIRST_MEMBER } from '../../db/seeds/demo.js';
import type { RunningServer } from '../../server/app-server.js';
import { AmiFrameParser } from '../../server/pbx/ami/framing.js';
import { AmiProtocolError } from '../../server/pbx/ami/errors.js';
import { parseAriMessage } from '../../server/pbx/ari/events.js';
import { ARI_EVENTS } from '../../server/pbx/ari/protocol.js';
import type { Simulator } from '../../sim/index.js';
import { Desktops, api, login, routedCall, seededWorkdir, serverEnv, sleep, startInProcess, startPbx, waitAllAvailable, waitFor, type Workdir } from '../reliability/support.js';

const BANNER = 'Asterisk Call Manager/9.0.0\r\n';

const headerKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerValue = fc.string({ maxLength: 40 }).map((v) => v.replace(/[\r\n]/g, ' ').replace(/^ +/, ''));
const frame = fc.array(fc.tuple(headerKey, headerValue), { minLength: 1, maxLength: 8 });
const serialize = (fields: Array<[string, string]>) => fields.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';

/** Splits bytes at random points, as TCP may. */
const chunked = (bytes: Buffer) =>
  fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 12 }).map((cuts) => {
    const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length];
    return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
  });

describe('security: the AMI parser and ARI event handling under random input (fast-check)', () => {
  it('random bytes in random chunks: only AmiProtocolError is ever thrown, and what comes out are messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }).chain((b) => chunked(Buffer.from(b))), (chunks) => {
        const parser = new AmiFrameParser(4096);
        parser.push(BANNER);
        for (const chunk of chunks) {
          try {
            for (const item of parser.push(chunk)) expect(item.kind).to.equal('message');
          } catch (err) {
            if (!(err instanceof AmiProtocolError)) throw err;
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('frames split anywhere (even inside a UTF-8 character) parse exactly as if they arrived whole', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { minLength: 1, maxLength: 5 }).chain((frames) => {
          const bytes = Buffer.from(BANNER + frames.map(serialize).join('') + 'Event: 名字 ✓\r\nKey: 值\r\n\r\n', 'utf8');
          return chunked(bytes).map((chunks) => ({ frames, chunks }));
        }),
        ({ frames, chunks }) => {
          const parser = new AmiFrameParser();
          const messages = chunks.flatMap((c) => parser.push(c)).filter((i) => i.kind === 'message');
          expect(messages).to.have.length(frames.length + 1);
          frames.forEach((fields, i) => {
            const parsed = (messages[i] as { message: { fields: ReadonlyArray<readonly [string, string]> } }).message.fields;
            expect(parsed.map(([k, v]) => [k, v])).to.deep.equal(fields.map(([k, v]) => [k.trim(), v]));
          });
          const last = (messages[frames.length] as { message: { get(k: string): string | undefined } }).message;
          expect(last.get('event')).to.equal('名字 ✓');
          expect(last.get('Key')).to.equal('值');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lines without a colon are kept as unnamed text, never thrown on', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }).map((s) => s.replace(/[:\r\n]/g, '')).filter((s) => s.length > 0), { minLength: 1, maxLength: 6 }), (lines) => {
        const parser = new AmiFrameParser();
        const out = parser.push(BANNER + 'Response: Follows\r\n' + lines.join('\r\n') + '\r\n\r\n');
        const message = (out[1] as { message: { get(k: string): string | undefined; all(k: string): string[] } }).message;
        expect(message.get('Response')).to.equal('Follows');
        expect(message.all('')).to.deep.equal(lines);
      }),
    );
  });

  it('a frame that never ends is cut at the bound with AmiProtocolError, and the parser reads the next frame', () => {
    const parser = new AmiFrameParser(64 * 1024);
    parser.push(BANNER);
    expect(() => parser.push(`Event: Flood\r\nValue: ${'x'.repeat(70 * 1024)}`)).to.throw(AmiProtocolError, /exceeded/);
    const after = parser.push('Event: FullyBooted\r\n\r\n');
    expect(after.map((i) => i.kind === 'message' && i.message.event)).to.deep.equal(['FullyBooted']);
    expect(() => new AmiFrameParser().push('HTTP/1.1 200 OK\r\n')).to.throw(AmiProtocolError, /banner/);
  });

  it('ARI: any text, any JSON, and known event types with wrong field types are classified, never thrown', () => {
    const knownTypes = Object.values(ARI_EVENTS);
    const wrongEvent = fc.record({
      type: fc.constantFrom(...knownTypes),
      application: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      channel: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ id: fc.integer(), name: fc.jsonValue({ maxDepth: 1 }) })),
      args: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 })), fc.string()),
      bridge: fc.jsonValue({ maxDepth: 2 }),
      playback: fc.jsonValue({ maxDepth: 2 }),
      digit: fc.jsonValue({ maxDepth: 1 }),
    }, { requiredKeys: ['type'] });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), wrongEvent.map((v) => JSON.stringify(v))), (text) => {
        const parsed = parseAriMessage(text);
        expect(['event', 'other', 'invalid']).to.include(parsed.kind);
      }),
      { numRuns: 1000 },
    );
    expect(parseAriMessage(JSON.stringify({ type: 'StasisStart', application: 'cti', channel: 5, args: [] })).kind).to.equal('invalid');
    expect(parseAriMessage(JSON.stringify({ type: 'SomethingNew', application: 'cti' })).kind).to.equal('other');
  });
});

// What the simulator keeps private: its AMI sessions and ARI app sockets, reached here to
// write garbage into the very connections the CTI server reads.
interface SimInternals {
  ami?: { sessions: Set<{ authenticated: boolean; queue(text: string): void }> };
  ari?: { owners: Map<string, WebSocket> };
}

describe('security: garbage from Asterisk over the live AMI and ARI connections does not disturb the server', function () {
  this.timeout(90_000);
  let work: Workdir;
  let sim: Simulator;
  let server: RunningServer;
  let desktops: Desktops;

  before(async () => {
    work = await seededWorkdir();
    sim = await startPbx();
    server = await startInProcess(serverEnv(sim, work.dbUrl), work.dir);
    await waitFor('AMI and ARI up', () => server.telephony.nodes.every((n) => n.connected.ami && n.connected.ari));
    desktops = new Desktops(server.url);
    await desktops.signIn();
    await waitAllAvailable(server.url, await login(server.url, 'supervisor'));
  });
  after(async () => {
    desktops?.close();
    await server?.close();
    await sim?.close();
    work?.remove();
  });

  const internals = () => sim.box as unknown as SimInternals;
  const amiSend = (text: string) => {
    for (const s of internals().ami?.sessions ?? []) if (s.authenticated) s.queue(text);
  };
  const ariSend = (text: string) => internals().ari?.owners.get('cti')?.send(text);

  it('random AMI frames (bogus events, wrong values, headerless lines) and random ARI messages (bad JSON, wrong types, events for channels that do not exist): the server keeps routing and presence is not corrupted', async () => {
    const aliceId = (await server.store.advisors.findByEndpoint(DEMO_FIRST_MEMBER.ownerEndpoint))!.id;
    const presenceBefore = server.presence.get(aliceId);
    const amiGarbage = fc.sample(
      fc.oneof(
        frame.map(serialize),
        fc.constantFrom(
          'Event: DeviceStateChange\r\nDevice: PJSIP/1001\r\nState: EXPLODED\r\n\r\n',
          'Event: DeviceStateChange\r\nState: INUSE\r\n\r\n',
          'Event: Newchannel\r\n\r\n',
          'Event: Hangup\r\nUniqueid: no-such-channel\r\nCause: banana\r\n\r\n',
          'Response: Success\r\nActionID: 99999999\r\n\r\n',
          'no colon here at all\r\n\r\n',
          `Event: VarSet\r\nValue: ${'v'.repeat(50_000)}\r\n\r\n`,
        ),
      ),
      200,
    );
    const ariGarbage = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.constantFrom(
          JSON.stringify({ type: 'StasisStart', application: 'cti', channel: 5, args: [] }),
          JSON.stringify({ type: 'StasisStart', application: 'cti', args: ['x'], channel: { id: 'ghost-1', name: 'PJSIP/trunk-0001', state: 'Ring', caller: { number: '8613800000001', name: '' }, connected: { number: '', name: '' }, accountcode: '', dialplan: { context: 'c', exten: 's', priority: 1 }, creationtime: '2026-01-01T00:00:00.000+0000', language: 'en' } }),
          JSON.stringify({ type: 'ChannelDestroyed', application: 'cti', cause: 16, cause_txt: 'x', channel: { id: 'ghost-2', name: 'x', state: 'Up', caller: { number: '', name: '' }, connected: { number: '', name: '' }, accountcode: '', dialplan: { context: 'c', exten: 's', priority: 1 }, creationtime: '', language: 'en' } }),
          JSON.stringify({ type: 'ChannelDtmfReceived', application: 'cti', digit: 7, channel: null }),
          JSON.stringify({ type: 'PlaybackFinished', application: 'cti', playback: { id: 'nope' } }),
          JSON.stringify({ type: 'ApplicationMoved', application: 'cti' }),
        ),
      ),
      200,
    );
    for (let i = 0; i < 200; i++) {
      amiSend(amiGarbage[i]!);
      ariSend(ariGarbage[i]!);
      if (i % 20 === 0) await sleep(10);
    }
    await sleep(1000);
    expect((await api(server.url, 'GET', '/healthz')).status).to.equal(200);
    await waitFor('AMI and ARI connected (reconnected if a frame broke the session)', () => server.telephony.nodes.every((n) => n.connected.ami && n.connected.ari), 15_000);
    await waitFor("Alice's phone known idle again after any resync", () => server.presence.get(aliceId)?.phone === 'idle', 10_000);
    expect(server.presence.get(aliceId)?.desktop).to.equal(presenceBefore?.desktop);
    const { agent, call } = await routedCall(sim, DEMO_FIRST_MEMBER.phone);
    expect(agent, 'the member still reaches their own advisor').to.equal(DEMO_FIRST_MEMBER.ownerEndpoint);
    call.hangup();
    expect(server.telephony.activeCalls().every((c) => !c.callId.includes('ghost')), 'no call was invented from a forged event').to.equal(true);
  });
});
