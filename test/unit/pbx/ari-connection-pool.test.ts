import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { AriClient } from '../../../server/pbx/ari/client.js';
import { AriHttpError } from '../../../server/pbx/ari/errors.js';
import { silentLogger } from '../../support/wire/log-capture.js';

// Asterisk closes HTTP connections past http.conf `sessionlimit` (100 by default, for every
// client together): a burst of ARI requests must share a few kept-alive connections.
describe('AriClient REST connections', function () {
  let server: http.Server;
  let connections: number;
  let inFlight: number;
  let maxInFlight: number;
  let ari: AriClient;

  beforeEach(async function () {
    connections = 0;
    inFlight = 0;
    maxInFlight = 0;
    server = http.createServer((req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Answer a little later, so the requests of a burst overlap.
      setTimeout(() => {
        inFlight -= 1;
        if (req.url?.startsWith('/ari/channels/gone')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Channel not found' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
      }, 5);
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ari = new AriClient({ baseUrl: `http://127.0.0.1:${port}`, username: 'cti', password: 'ctisecret', app: 'cti', logger: silentLogger(), maxConnections: 4 });
  });

  afterEach(async function () {
    await ari.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves a burst of 60 requests over at most the configured connections, all answered', async function () {
    const results = await Promise.all(Array.from({ length: 60 }, () => ari.channels.list()));
    expect(results).to.have.length(60);
    expect(connections).to.be.at.most(4);
    expect(maxInFlight).to.be.at.most(4);
  });

  it('keeps the connection for the next request, errors included', async function () {
    await ari.channels.list();
    const error = await ari.channels.get('gone').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AriHttpError);
    expect((error as AriHttpError).status).to.equal(404);
    await ari.channels.list();
    expect(connections).to.equal(1);
  });
});
