// A desktop whose sign-in expires while it is open: the server closes its socket at that
// moment, and the desktop goes back to the sign-in screen saying the session ended,
// instead of sitting "offline" until the next REST call.
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server-harness.js';
import { chromiumPath, closeAll, launchBrowser, signIn, SKIP_TITLE, type Desk } from './support/browser.js';

const chromium = chromiumPath();

describe(chromium ? 'desktop: a sign-in that expires while the desktop is open' : `desktop: a sign-in that expires while the desktop is open (${SKIP_TITLE})`, function () {
  this.timeout(60_000);
  let server: TestServer;
  let browser: Browser;
  let desk: Desk | undefined;

  before(async function () {
    if (!chromium) return this.skip();
    server = await startTestServer({ CTI_TOKEN_TTL: '8s' });
    browser = await launchBrowser(chromium);
  });

  after(async () => {
    await closeAll([desk]);
    await browser?.close();
    await server?.stop();
  });

  it('goes back to the sign-in screen, saying the session has ended', async () => {
    desk = await signIn(browser, server, 'alice');
    const signedInAt = Date.now();
    await desk.page.locator('input[name=username]').waitFor({ timeout: 20_000 });
    expect(Date.now() - signedInAt, 'not before the token expired').to.be.at.least(6_000);
    expect(await desk.page.getByText('Your session has ended').count()).to.be.greaterThan(0);
    expect(desk.errors).to.deep.equal([]);
  });
});
