// A desktop whose sign-in expires while it is open: the server closes its socket at that
// moment, and the desktop goes back to the sign-in screen saying the session ended,
// instead of sitting "offline" until the next REST call.
import { expect } from 'chai';
import { browserSuite, chromiumPath, SKIP_TITLE } from './support/browser.js';

const title = 'desktop: a sign-in that expires while the desktop is open';

describe(chromiumPath() ? title : `${title} (${SKIP_TITLE})`, function () {
  this.timeout(60_000);
  const { open } = browserSuite({ env: { CTI_TOKEN_TTL: '8s' } });

  it('goes back to the sign-in screen, saying the session has ended', async () => {
    const desk = await open('alice');
    const signedInAt = Date.now();
    await desk.page.locator('input[name=username]').waitFor({ timeout: 20_000 });
    expect(Date.now() - signedInAt, 'not before the token expired').to.be.at.least(6_000);
    expect(await desk.page.getByText('Your session has ended').count()).to.be.greaterThan(0);
    expect(desk.errors).to.deep.equal([]);
  });
});
