import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { desktopAssets } from '../../../server/desktop/static-assets.js';

describe('desktop static assets', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = express();
    app.use(desktopAssets());
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the desktop shell at / and its modules without a build step', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).to.equal(200);
    expect(await index.text()).to.contain('<script type="module" src="/js/main.js">');
    const main = await fetch(`${base}/js/main.js`);
    expect(main.headers.get('content-type')).to.match(/javascript/);
    expect(main.headers.get('cache-control')).to.equal('no-cache');
  });

  it('does not answer for paths outside the desktop, so the API 404 handler can', async () => {
    expect((await fetch(`${base}/api/nothing`)).status).to.equal(404);
  });
});
