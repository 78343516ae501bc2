// Headless Chromium (Debian's, via playwright-core) against the real server: each
// person gets their own browser context, so sessions, sockets and storage never mix.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../support/server-harness.js';

export type Lang = 'en' | 'zh';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Path of the Chromium binary, or null when the suite has to skip. */
export function chromiumPath(): string | null {
  const path = process.env.CTI_TEST_CHROMIUM;
  return path && path.trim() ? path.trim() : null;
}

export const SKIP_TITLE = 'skipped: CTI_TEST_CHROMIUM is unset (set it to /usr/bin/chromium)';

export function launchBrowser(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface Desk {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors seen on the page: a working desktop has none. */
  errors: string[];
}

/** Opens the app in a fresh context, in the given language, and signs `username` in. */
export async function signIn(browser: Browser, server: TestServer, username: string, lang: Lang = 'en', viewport = { width: 1440, height: 900 }): Promise<Desk> {
  const context = await browser.newContext({ viewport, locale: lang === 'zh' ? 'zh-CN' : 'en-GB', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15_000);
  await context.addInitScript((l) => {
    if (!localStorage.getItem('cti.lang')) localStorage.setItem('cti.lang', l);
  }, lang);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    // A 4xx the app shows to the user is logged by the browser as a resource error; only
    // script errors count here.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  await page.goto(server.url + '/');
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill('demo1234');
  await page.locator('form button[type=submit]').click();
  await page.locator('header.topbar .conn.online').waitFor();
  return { context, page, errors };
}

/** The agent presses Ready and the server confirms it (the state bar turns to Ready). */
export async function goReady(desk: Desk): Promise<void> {
  await desk.page.locator('.statebar .seg button.ready').click();
  await desk.page.locator('.statebar .state-now.state-ready').waitFor();
}

export async function closeAll(desks: Array<Desk | undefined>): Promise<void> {
  for (const desk of desks) await desk?.context.close().catch(() => undefined);
}

export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** Signs `username` in, in a fresh context that is closed after the test. */
  open(username: string, lang?: Lang): Promise<Desk>;
}

/**
 * The mocha hooks every browser suite needs: a real server (demo mode, so the PBX simulator
 * runs in it) and one Chromium for the suite, the desks a test opened closed after it.
 * Skips the suite when CTI_TEST_CHROMIUM is unset (its title says so).
 */
export function browserSuite(setUp: { env?: Record<string, string>; prepare?: (server: TestServer) => void | Promise<void> } = {}): BrowserSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let desks: Desk[] = [];
  before(async function () {
    const executable = chromiumPath();
    if (!executable) return this.skip();
    server = await startTestServer(setUp.env);
    await setUp.prepare?.(server);
    browser = await launchBrowser(executable);
  });
  afterEach(async () => {
    await closeAll(desks);
    desks = [];
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const started = () => {
    if (!server || !browser) throw new Error('the browser suite has not started (its before hook)');
    return { server, browser };
  };
  return {
    get server() {
      return started().server;
    },
    get browser() {
      return started().browser;
    },
    open: async (username, lang = 'en') => {
      const desk = await signIn(started().browser, started().server, username, lang);
      desks.push(desk);
      return desk;
    },
  };
}
