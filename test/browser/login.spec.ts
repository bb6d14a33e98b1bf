import * as fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { makeDataDir, TEST_SETUP_TOKEN } from '../helpers/test-app';
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
 * Issue 6.1: what the auth bar shows to anonymous visitors, users and admins, and what a person sees
 * when a login fails or is throttled — in a real browser against the real server. The server allows
 * two failed logins per username (LOGIN_MAX_FAILURES=2) so the lockout comes quickly. Accounts are
 * created over plain HTTP first; every assertion is made through the browser.
 */
const ADMIN = { username: 'root', password: 'root passphrase for the browser' };
const MEMBER = { username: 'member', password: 'member passphrase 2024' };
const TYPO = { username: 'typo', password: 'typo passphrase that works' };
const LOCKED = { username: 'locked', password: 'locked passphrase that works' };
const INVITE = 'browser-login-invite-0001';
const LOGIN_FAILED = 'Invalid username or password.';

async function expectRedirect(res: Promise<{ status: number; location: string | null }>, what: string): Promise<void> {
  const { status, location } = await res;
  if (status !== 303) throw new Error(`${what}: expected 303, got ${status} (${location})`);
}

describeWithChromium('browser: auth bar, failed and throttled logins', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataDir();
    [server, browser] = await Promise.all([startServer(dataDir, { LOGIN_MAX_FAILURES: '2' }), launchBrowser()]);
    const admin = new HttpClient(server.url);
    await expectRedirect(
      admin.submit(`/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', { token: TEST_SETUP_TOKEN, ...ADMIN }),
      'setup',
    );
    await expectRedirect(
      admin.submit('/admin', '/admin/invites', {
        note: 'browser logins',
        role: 'user',
        maxUses: '3',
        expiresInDays: '7',
        code: INVITE,
      }),
      'mint',
    );
    for (const user of [MEMBER, TYPO, LOCKED]) {
      await expectRedirect(
        new HttpClient(server.url).submit(`/register?code=${INVITE}`, '/register', { ...user, inviteCode: INVITE }),
        user.username,
      );
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // Each test is a different person: a fresh browser profile without cookies.
  beforeEach(async () => {
    ({ context, page } = await newPerson(browser!, server!));
  });
  afterEach(async () => {
    await context?.close();
  });

  async function logIn(user: { username: string; password: string }): Promise<number> {
    await page.goto('/login');
    await page.locator('#username').fill(user.username);
    await page.locator('#password').fill(user.password);
    return submitAndStatus(page, '/login', () => page.getByRole('button', { name: 'Log in' }).click());
  }

  it('shows Log in/Register to anonymous visitors, name and Log out to users, and Admin to admins', async () => {
    const journey = new Journey('authbar', server);

    await journey.step('anonymous', page, async () => {
      await page.goto('/');
      expect(await authBar(page)).toEqual({ login: true, register: true, admin: false, user: null, logout: false });
      await page.getByTestId('nav-login').click();
      await page.waitForURL('**/login');
      await page.goto('/');
      await page.getByTestId('nav-register').click();
      await page.waitForURL('**/register');
    });

    await journey.step('user', page, async () => {
      expect(await logIn(MEMBER)).toBe(303);
      expect(await authBar(page)).toEqual({
        login: false,
        register: false,
        admin: false,
        user: MEMBER.username,
        logout: true,
      });
      // A user who types /admin gets the 403 page, still with their own auth bar.
      const forbidden = await page.goto('/admin');
      expect(forbidden?.status()).toBe(403);
      expect(await authBar(page)).toMatchObject({ admin: false, user: MEMBER.username });
    });

    await journey.step('user-logs-out', page, async () => {
      await page.goto('/');
      await page.getByTestId('nav-logout').click();
      await page.waitForURL((url) => url.pathname === '/');
      expect(await authBar(page)).toEqual({ login: true, register: true, admin: false, user: null, logout: false });
    });

    await journey.step('admin', page, async () => {
      expect(await logIn(ADMIN)).toBe(303);
      expect(await authBar(page)).toEqual({
        login: false,
        register: false,
        admin: true,
        user: ADMIN.username,
        logout: true,
      });
      await page.getByTestId('nav-admin').click();
      await page.waitForURL('**/admin');
      await page.getByTestId('users-table').waitFor();
    });
  });

  it('shows one error message for a wrong password and for an unknown user, and keeps the username', async () => {
    const journey = new Journey('failed-login', server);

    await journey.step('wrong-password', page, async () => {
      expect(await logIn({ username: TYPO.username, password: 'not the right passphrase' })).toBe(401);
      expect(await textOf(page.getByTestId('form-error'))).toBe(LOGIN_FAILED);
      expect(await page.locator('#username').inputValue()).toBe(TYPO.username);
      expect(await page.locator('#password').inputValue()).toBe('');
      expect(await authBar(page)).toMatchObject({ login: true, user: null });
    });

    await journey.step('unknown-user', page, async () => {
      expect(await logIn({ username: 'nobody-here', password: 'whatever passphrase' })).toBe(401);
      expect(await textOf(page.getByTestId('form-error'))).toBe(LOGIN_FAILED);
    });

    await journey.step('right-password-after-one-failure', page, async () => {
      expect(await logIn(TYPO)).toBe(303);
      expect(await authBar(page)).toMatchObject({ user: TYPO.username });
    });
  });

  it('tells a throttled person when to try again, even with the right password', async () => {
    const journey = new Journey('throttled-login', server);

    await journey.step('failures-up-to-the-limit', page, async () => {
      // LOGIN_MAX_FAILURES=2: two failures are answered as plain failures...
      for (let i = 0; i < 2; i++) {
        expect(await logIn({ username: LOCKED.username, password: `wrong passphrase ${i}` })).toBe(401);
        expect(await textOf(page.getByTestId('form-error'))).toBe(LOGIN_FAILED);
      }
    });

    await journey.step('locked-out', page, async () => {
      // ...then the username is locked, and the page says when to retry.
      expect(await logIn({ username: LOCKED.username, password: 'wrong passphrase 2' })).toBe(429);
      expect(await textOf(page.getByTestId('form-error'))).toMatch(/^Too many .+\. Try again in 15 minutes\.$/);
    });

    await journey.step('right-password-still-locked', page, async () => {
      const response = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
      );
      await page.goto('/login');
      await page.locator('#username').fill(LOCKED.username);
      await page.locator('#password').fill(LOCKED.password);
      await page.getByRole('button', { name: 'Log in' }).click();
      const res = await response;
      expect(res.status()).toBe(429);
      expect(Number(await res.headerValue('retry-after'))).toBeGreaterThan(0);
      await page.getByTestId('form-error').waitFor();
      expect(await textOf(page.getByTestId('form-error'))).toMatch(/Try again in 15 minutes\./);
      expect(await authBar(page)).toMatchObject({ login: true, user: null });
    });
  });
});
