import * as fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { makeDataDir, TEST_SETUP_TOKEN } from '../helpers/test-app';
import { totp } from '../helpers/two-factor';
import {
  authBar,
  describeWithChromium,
  Journey,
  launchBrowser,
  newPerson,
  submitAndStatus,
  textOf,
} from './browser-harness';

/**
 * Issue 16: an admin turns on two-factor login in a real browser (reading the key as text, as someone
 * without a camera would, and computing the code like a phone app), logs out, and logs in with a code;
 * then with a recovery code. The server runs on the real clock.
 */
const ADMIN = { username: 'root', password: 'root passphrase for two factors' };

/** The code a phone would show half a minute from now: the enrolment used up the current step. */
function upcomingCode(secret: string): string {
  return totp.generate(secret, new Date(Date.now() + 30_000));
}

describeWithChromium('browser: two-factor login', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataDir();
    [server, browser] = await Promise.all([startServer(dataDir), launchBrowser()]);
    const { status } = await new HttpClient(server.url).submit(
      `/admin/setup?token=${TEST_SETUP_TOKEN}`,
      '/admin/setup',
      {
        token: TEST_SETUP_TOKEN,
        ...ADMIN,
      },
    );
    if (status !== 303) throw new Error(`setup: ${status}`);
    ({ context, page } = await newPerson(browser, server));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function passwordStep(): Promise<void> {
    await page.goto('/login');
    await page.locator('#username').fill(ADMIN.username);
    await page.locator('#password').fill(ADMIN.password);
    expect(await submitAndStatus(page, '/login', () => page.getByRole('button', { name: 'Log in' }).click())).toBe(303);
    await page.waitForURL('**/login/2fa');
  }

  async function logOut(): Promise<void> {
    await page.getByTestId('nav-logout').click();
    await page.waitForURL((url) => url.pathname === '/');
  }

  it('enrol from the text key, log out, log in with a code, then with a recovery code', async () => {
    const journey = new Journey('two-factor', server);
    let secret = '';
    let recoveryCodes: string[] = [];

    await journey.step('log-in-with-password', page, async () => {
      await page.goto('/login');
      await page.locator('#username').fill(ADMIN.username);
      await page.locator('#password').fill(ADMIN.password);
      await submitAndStatus(page, '/login', () => page.getByRole('button', { name: 'Log in' }).click());
      expect(await authBar(page)).toMatchObject({ user: ADMIN.username });
    });

    await journey.step('open-account-from-auth-bar', page, async () => {
      await page.getByTestId('nav-user').click();
      await page.waitForURL('**/account');
      expect(await textOf(page.getByTestId('account-2fa'))).toBe('Off');
      await page.getByRole('link', { name: 'Turn on two-factor login' }).click();
      await page.waitForURL('**/account/2fa');
    });

    await journey.step('set-up', page, async () => {
      await submitAndStatus(page, '/account/2fa/setup', () =>
        page.getByRole('button', { name: 'Set up two-factor login' }).click(),
      );
      // The QR image loads under the CSP (a data: URI) and has a real size.
      const qr = page.locator('img.qr');
      expect(
        await qr.evaluate(
          (img) =>
            (img as unknown as { complete: boolean; naturalWidth: number }).complete &&
            (img as unknown as { naturalWidth: number }).naturalWidth > 0,
        ),
      ).toBe(true);
      secret = (await textOf(page.getByTestId('2fa-secret'))).replace(/\s/g, '');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      await page.locator('#code').fill(totp.generate(secret, new Date()));
      expect(
        await submitAndStatus(page, '/account/2fa/enable', () =>
          page.getByRole('button', { name: 'Turn on two-factor login' }).click(),
        ),
      ).toBe(200);
      recoveryCodes = (await page.getByTestId('recovery-codes').locator('code').allTextContents()).map((c) => c.trim());
      expect(recoveryCodes).toHaveLength(10);
    });

    await journey.step('log-out-and-in-with-a-code', page, async () => {
      await logOut();
      await passwordStep();
      // Not logged in yet.
      expect(await authBar(page)).toMatchObject({ user: null, login: true });
      await page.locator('#code').fill(upcomingCode(secret));
      expect(
        await submitAndStatus(page, '/login/2fa', () => page.getByRole('button', { name: 'Log in' }).click()),
      ).toBe(303);
      expect(await authBar(page)).toMatchObject({ user: ADMIN.username, admin: true });
      await page.goto('/account');
      expect(await textOf(page.getByTestId('account-2fa'))).toMatch(/^On since/);
    });

    await journey.step('log-in-with-a-recovery-code', page, async () => {
      await logOut();
      await passwordStep();
      await page.locator('#code').fill(recoveryCodes[0]);
      expect(
        await submitAndStatus(page, '/login/2fa', () => page.getByRole('button', { name: 'Log in' }).click()),
      ).toBe(303);
      expect(await authBar(page)).toMatchObject({ user: ADMIN.username });
    });
  });
});
