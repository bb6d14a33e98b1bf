import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { ROOT } from '../helpers/dist';
import type { ServerProcess } from '../helpers/server-process';

/**
 * Shared pieces of the browser tier: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), a `describe` that skips with a clear message when Chromium is missing,
 * and journey steps that save a screenshot of the page when they fail.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(ROOT, 'test-artifacts', 'browser');

/** Page actions fail fast; only waits that expect the server to work (a job) pass their own timeout. */
export const ACTION_TIMEOUT_MS = 10_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

/** `describe` when Chromium is installed; otherwise `describe.skip` and one line on stderr saying why. */
export function describeWithChromium(name: string, fn: () => void): void {
  if (chromiumAvailable()) {
    describe(name, fn);
    return;
  }
  // Straight to stderr: jest drops console output of suites whose tests were all skipped.
  process.stderr.write(
    `\nBrowser tests SKIPPED ("${name}"): ${CHROMIUM_PATH} not found. Install Debian's Chromium with ` +
      '`apt-get update && apt-get install -y chromium` (CI does); never download a browser with playwright.\n',
  );
  describe.skip(name, fn);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh browser profile (its own cookies: a different person) pointed at the server. */
export async function newPerson(
  browser: Browser,
  server: ServerProcess,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: server.url, acceptDownloads: true });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  return { context, page };
}

/**
 * Runs the steps of one journey in order. A failing step saves a full-page screenshot of its page to
 * `test-artifacts/browser/<journey>-<step>.png` (and the server's output next to it), then fails the
 * test with the step's name in the message.
 */
export class Journey {
  constructor(
    private readonly name: string,
    private readonly server?: ServerProcess,
  ) {}

  async step<T>(name: string, page: Page, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const base = path.join(ARTIFACTS_DIR, `${this.name}-${name}`);
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      let saved = `${base}.png`;
      try {
        await page.screenshot({ path: saved, fullPage: true, timeout: 5_000 });
      } catch (shotError) {
        saved = `(no screenshot: ${(shotError as Error).message.split('\n')[0]})`;
      }
      if (this.server) fs.writeFileSync(`${base}.server.log`, this.server.output());
      if (error instanceof Error) {
        const original = error.message;
        error.message = `[${this.name} › ${name}] ${original}\n  page: ${page.url()}\n  screenshot: ${saved}`;
        // Some errors build `stack` from `message` lazily; others captured it when thrown.
        if (error.stack && !error.stack.includes(error.message))
          error.stack = error.stack.replace(original, error.message);
      }
      throw error;
    }
  }
}

/** The trimmed text of one element (fails if it is not there within the action timeout). */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim();
}

/** Collects the visible auth-bar links, so one assertion shows which are present. */
export async function authBar(
  page: Page,
): Promise<{ login: boolean; register: boolean; admin: boolean; user: string | null; logout: boolean }> {
  const visible = async (id: string) => (await page.getByTestId(id).count()) > 0 && page.getByTestId(id).isVisible();
  const user = (await visible('nav-user')) ? await textOf(page.getByTestId('nav-user')) : null;
  return {
    login: await visible('nav-login'),
    register: await visible('nav-register'),
    admin: await visible('nav-admin'),
    user,
    logout: await visible('nav-logout'),
  };
}

/** Submits a form by clicking its button and returns the POST's HTTP status (after redirects, the final page loads). */
export async function submitAndStatus(page: Page, action: string, click: () => Promise<void>): Promise<number> {
  const response = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action);
  await click();
  const status = (await response).status();
  await page.waitForLoadState('load');
  return status;
}
