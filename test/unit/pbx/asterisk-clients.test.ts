import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { AsteriskNode } from '../../../server/config/config.js';
import { createAsteriskClients } from '../../../server/pbx/ami/asterisk-clients.js';
import { AmiClient } from '../../../server/pbx/ami/client.js';
import { AriClient } from '../../../server/pbx/ari/client.js';
import { captureAvailable, parseAmiCapture, readCapture } from '../../support/wire/capture.js';
import { FakeAmiServer } from '../../support/wire/fake-ami-server.js';
import { silentLogger } from '../../support/wire/log-capture.js';

const fixture = (name: string) => readFileSync(new URL(`../../support/wire/tls/${name}`, import.meta.url), 'utf8');

describe('createAsteriskClients', function () {
  let fake: FakeAmiServer | null = null;

  afterEach(async function () {
    await fake?.close();
    fake = null;
  });

  const node = (port: number, tls: boolean): AsteriskNode => ({
    index: 1,
    ami: { host: '127.0.0.1', port, username: 'cti', secret: 'ctisecret', tls },
    ari: { baseUrl: 'http://127.0.0.1:8088', username: 'cti', password: 'ctisecret' },
  });

  it('builds an unstarted AMI + ARI pair for one node, ActionIDs naming the node', function () {
    const { ami, ari } = createAsteriskClients(node(5038, false), { app: 'cti', logger: silentLogger(), instanceId: 'srv' });
    expect(ami).to.be.instanceOf(AmiClient);
    expect(ari).to.be.instanceOf(AriClient);
    expect(ami.state).to.equal('stopped');
    expect(ari.state).to.equal('stopped');
    expect(ari.app).to.equal('cti');
  });

  it('connects over TLS for amis:// nodes and logs in from the recorded session', async function () {
    if (!captureAvailable()) this.skip();
    fake = await FakeAmiServer.start(parseAmiCapture(readCapture('ami-session.raw')), {
      tls: { key: fixture('localhost-test-only.key'), cert: fixture('localhost-test-only.crt') },
    });
    const { ami } = createAsteriskClients(node(fake.port, true), {
      app: 'cti',
      logger: silentLogger(),
      instanceId: 'srv',
      ami: { pingIntervalMs: 0, tlsOptions: { ca: fixture('localhost-test-only.crt') } },
    });
    const ready = once(ami, 'connected');
    ami.start();
    await ready;
    expect(fake.received[0]!.actionId).to.match(/^srv\.1-\d+$/);
    expect((await ami.action('Ping')).response.get('Ping')).to.equal('Pong');
    await ami.stop();
  });
});
