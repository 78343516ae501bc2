import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { expect } from 'chai';
import { AriEventSocket, type AriEventSocketOptions } from '../../../server/pbx/ari/event-socket.js';
import type { AriOtherEvent } from '../../../server/pbx/ari/events.js';
import { FakeAriServer } from '../../support/wire/fake-ari-server.js';
import { capturingLogger, silentLogger } from '../../support/wire/log-capture.js';
import { waitFor } from '../../support/wire/wait.js';

const MiB = 1024 * 1024;

/** An event type the client does not model, padded to about `bytes`: it arrives as `otherEvent`. */
function paddedEvent(bytes: number, tag: string): string {
  return JSON.stringify({ type: 'ChannelTalkingStarted', application: 'cti', tag, pad: 'x'.repeat(bytes) });
}

describe('ARI events WebSocket: message size bound (default 4 MiB)', function () {
  this.timeout(20_000);
  const sockets: AriEventSocket[] = [];
  let fake: FakeAriServer | null = null;
  let raw: Server | null = null;

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.stop()));
    await fake?.close();
    fake = null;
    if (raw) await new Promise<void>((resolve) => raw!.close(() => resolve()));
    raw = null;
  });

  function eventSocket(baseUrl: string, overrides: Partial<AriEventSocketOptions> = {}): AriEventSocket {
    const s = new AriEventSocket({
      baseUrl,
      username: 'cti',
      password: 'ctisecret',
      app: 'cti',
      logger: silentLogger(),
      heartbeatMs: 0,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      ...overrides,
    });
    sockets.push(s);
    return s;
  }

  it('delivers a 1 MiB event, closes on a 5 MiB one, reconnects (a new session to resync) and delivers again', async () => {
    fake = await FakeAriServer.start({ rest: [] });
    const { logger, lines } = capturingLogger();
    const s = eventSocket(fake.baseUrl, { logger });
    const seen: string[] = [];
    const tags: string[] = [];
    s.on('connected', (info) => seen.push(`connected ${info.session}`));
    s.on('disconnected', (info) => seen.push(`disconnected ${info.code} ${info.reason}`));
    s.on('otherEvent', (e: AriOtherEvent) => tags.push(String((e as { tag?: unknown }).tag)));
    s.start();
    await waitFor(() => seen.length === 1, 3000, 'first connect');

    fake.send(paddedEvent(1 * MiB, 'big but fine'));
    await waitFor(() => tags.length === 1, 3000, 'the 1 MiB event');
    expect(s.isConnected).to.equal(true);

    fake.send(paddedEvent(5 * MiB, 'too big'));
    await waitFor(() => seen.length === 3, 5000, 'close and reconnect');
    expect(seen[0]).to.equal('connected 1');
    expect(seen[1]).to.match(/^disconnected \d+ Max payload size exceeded$/);
    expect(seen[2]).to.equal('connected 2');
    expect(tags, 'the oversized event is never delivered').to.deep.equal(['big but fine']);
    expect(lines.some((l) => l.includes('ARI events connection lost') && l.includes('Max payload size exceeded'))).to.equal(true);

    await waitFor(() => fake!.openSockets === 1, 3000, 'one open socket on the server');
    fake.send(paddedEvent(10, 'after'));
    await waitFor(() => tags.length === 2, 3000, 'an event on the new session');
    expect(tags).to.deep.equal(['big but fine', 'after']);
  });

  it('a peer that announces a huge frame and then ignores the close (keeps its half of TCP open) is dropped at once, not after ws’s 30 s close timeout', async () => {
    const connections: Socket[] = [];
    raw = createServer({ allowHalfOpen: true }, (conn) => {
      connections.push(conn);
      conn.on('error', () => undefined);
      let head = '';
      conn.on('data', (chunk: Buffer) => {
        if (head.endsWith('\r\n\r\n')) return; // after the handshake: ignore everything, the close frame included
        head += chunk.toString('latin1');
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1];
        if (!head.endsWith('\r\n\r\n') || !key) return;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        conn.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        // A text frame announcing 64 MiB, then the first bytes of it.
        const header = Buffer.alloc(10);
        header[0] = 0x81;
        header[1] = 127;
        header.writeBigUInt64BE(BigInt(64 * MiB), 2);
        conn.write(Buffer.concat([header, Buffer.alloc(64 * 1024, 0x78)]));
      });
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const s = eventSocket(`http://127.0.0.1:${(raw.address() as AddressInfo).port}`);
    const disconnected: string[] = [];
    s.on('disconnected', (info) => disconnected.push(info.reason));
    const started = Date.now();
    s.start();
    await waitFor(() => connections.length >= 2, 5000, 'a second connection attempt');
    expect(Date.now() - started).to.be.below(5000);
    expect(disconnected[0]).to.equal('Max payload size exceeded');
    for (const c of connections) c.destroy();
  });
});
