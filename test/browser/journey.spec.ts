import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as yauzl from 'yauzl';
import { requireBuild } from '../helpers/dist';
import { FakeOpenAiServer, startFakeOpenAi } from '../helpers/fake-openai-server';
import { ServerProcess, startServer } from '../helpers/server-process';
import { makeDataDir } from '../helpers/test-app';
import { authBar, describeWithChromium, Journey, launchBrowser, newPerson, textOf } from './browser-harness';

/**
 * Issue 6.1: the whole product as two people meet it in a real browser, against the real server
 * (`node dist/main.js`) on a temp DATA_DIR. The admin creates themselves from the setup URL the
 * server printed, mints an invite; a second person registers from the invite link, generates a
 * pack, watches the result page finish on its own, downloads the zip; the admin revokes an invite
 * and disables that person, whose next click lands on the login page.
 *
 * Generation goes through the OpenAI provider against a local fake server that answers each draft
 * after a delay, so the job is still queued/running when the result page first loads and the test
 * proves the page refreshes itself (offline drafts can finish before the page is even drawn).
 */
const ADMIN = { username: 'boss', password: 'admin passphrase for the browser' };
const MEMBER = { username: 'carol', password: 'carol has a long passphrase' };
const PROMPT = 'A short guide to keeping bees on a city roof';
const DRAFTS = 2;
const DRAFT_DELAY_MS = 900;
const JOB_TIMEOUT_MS = 30_000;

interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** Every entry of a zip file: name → content. */
function readZip(file: string): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error('no zip'));
      const entries = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

describeWithChromium('browser journey: setup → invite → register → generate → download → revoke and disable', () => {
  let dataDir: string;
  let fake: FakeOpenAiServer | undefined;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataDir();
    fake = await startFakeOpenAi({ delayMs: DRAFT_DELAY_MS });
    [server, browser] = await Promise.all([
      startServer(dataDir, {
        ADMIN_SETUP_TOKEN: '', // no token configured: the server generates one and prints the URL
        GENERATION_PROVIDER: 'openai',
        OPENAI_API_KEY: 'sk-browser-journey-key',
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: 'fake-model',
      }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await fake?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function person(): Promise<Page> {
    const { context, page } = await newPerson(browser!, server!);
    contexts.push(context);
    return page;
  }

  it('works end to end for an admin and an invited user', async () => {
    const journey = new Journey('journey', server);
    const admin = await person();

    await journey.step('anonymous-authbar', admin, async () => {
      await admin.goto('/');
      expect(await authBar(admin)).toEqual({ login: true, register: true, admin: false, user: null, logout: false });
    });

    await journey.step('first-admin-setup', admin, async () => {
      const printed = /(http:\/\/\S+\/admin\/setup\?token=[A-Za-z0-9_-]+)/.exec(server!.output());
      expect(printed).not.toBeNull();
      const setupUrl = printed![1];
      await admin.goto(setupUrl);
      // The token from the URL is already in the form; the newcomer only picks a name and password.
      expect(await admin.locator('#token').inputValue()).toBe(new URL(setupUrl).searchParams.get('token'));
      await admin.locator('#username').fill(ADMIN.username);
      await admin.locator('#password').fill(ADMIN.password);
      await admin.getByRole('button', { name: 'Create admin' }).click();
      await admin.waitForURL('**/admin');
      expect(await authBar(admin)).toEqual({
        login: false,
        register: false,
        admin: true,
        user: ADMIN.username,
        logout: true,
      });
      // Setup closes once an admin exists.
      const again = await admin.request.get(setupUrl);
      expect(again.status()).toBe(404);
    });

    const invite = await journey.step('mint-invite', admin, async () => {
      await admin.locator('#note').fill('for carol');
      await admin.getByTestId('mint-submit').click();
      await admin.getByTestId('minted-invite').waitFor();
      const code = await textOf(admin.getByTestId('minted-code'));
      const link = await textOf(admin.getByTestId('minted-link'));
      expect(link).toBe(`${server!.url}/register?code=${code}`);
      // Shown once: a reload no longer reveals it in the banner.
      await admin.reload();
      expect(await admin.getByTestId('minted-invite').count()).toBe(0);
      expect(await admin.locator('[data-testid="invite-row"][data-status="active"]', { hasText: code }).count()).toBe(
        1,
      );
      return { code, link };
    });

    const member = await person();
    await journey.step('register-from-invite-link', member, async () => {
      await member.goto(invite.link);
      expect(await member.locator('#inviteCode').inputValue()).toBe(invite.code);
      await member.locator('#username').fill(MEMBER.username);
      await member.locator('#password').fill(MEMBER.password);
      await member.getByRole('button', { name: 'Create account' }).click();
      await member.waitForURL((url) => url.pathname === '/');
      await member.getByTestId('generate-form').waitFor();
      expect(await authBar(member)).toEqual({
        login: false,
        register: false,
        admin: false,
        user: MEMBER.username,
        logout: true,
      });
    });

    const jobId = await journey.step('generate', member, async () => {
      await member.locator('#prompt').fill(PROMPT);
      await member.locator('#count').fill(String(DRAFTS));
      await member.getByTestId('generate-submit').click();
      await member.waitForURL(/\/result\/[0-9a-f-]{36}$/);
      return /\/result\/([0-9a-f-]{36})$/.exec(member.url())![1];
    });

    await journey.step('result-turns-succeeded-on-its-own', member, async () => {
      // The job is still in progress when the page first shows (each draft takes DRAFT_DELAY_MS).
      expect(['queued', 'running']).toContain(await textOf(member.getByTestId('job-status')));
      let reloads = 0;
      member.on('load', () => reloads++);
      // No click, no key: the page must refresh itself until the status reads "succeeded".
      await member
        .locator('[data-testid="job-status"]', { hasText: /^succeeded$/ })
        .waitFor({ timeout: JOB_TIMEOUT_MS });
      expect(reloads).toBeGreaterThan(0);
      expect(await member.locator('[data-testid="artifacts"] tbody tr').count()).toBe(DRAFTS);
      expect(await textOf(member.getByTestId('job-prompt'))).toBe(PROMPT);
      expect(await member.content()).not.toContain('sk-browser-journey-key');
    });

    await journey.step('download-zip', member, async () => {
      const [download] = await Promise.all([
        member.waitForEvent('download'),
        member.getByTestId('download-link').click(),
      ]);
      expect(download.suggestedFilename()).toBe(`${jobId}.zip`);
      const file = await download.path();
      const bytes = fs.readFileSync(file);
      expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');

      const manifestRes = await member.request.get(`/api/job/${jobId}/manifest`);
      expect(manifestRes.status()).toBe(200);
      const manifest = (await manifestRes.json()) as { files: ManifestFile[] };
      expect(manifest.files).toHaveLength(DRAFTS);

      const entries = await readZip(file);
      expect([...entries.keys()].sort()).toEqual([...manifest.files.map((f) => f.path), 'manifest.json'].sort());
      for (const f of manifest.files) {
        const content = entries.get(f.path)!;
        expect({
          path: f.path,
          bytes: content.length,
          sha256: createHash('sha256').update(content).digest('hex'),
        }).toEqual({
          path: f.path,
          bytes: f.bytes,
          sha256: f.sha256,
        });
      }
      expect((JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { files: ManifestFile[] }).files).toEqual(
        manifest.files,
      );
    });

    await journey.step('read-drafts-in-the-browser', member, async () => {
      await member.goto(`/result/${jobId}`);
      expect(await member.getByTestId('draft-item').count()).toBe(DRAFTS);
      await member.getByTestId('draft-link').first().click();
      await member.waitForURL(new RegExp(`/result/${jobId}/drafts/1$`));
      expect(await textOf(member.getByTestId('draft-title'))).toBe('Fake draft 1');
      expect(await member.locator('[data-testid="draft-body"] h1').count()).toBe(1);
      expect(await member.getByTestId('draft-prev').count()).toBe(0);
      await member.getByTestId('draft-next').click();
      await member.waitForURL(new RegExp(`/result/${jobId}/drafts/2$`));
      expect(await textOf(member.getByTestId('draft-title'))).toBe('Fake draft 2');
      await member.getByTestId('draft-prev').click();
      await member.waitForURL(new RegExp(`/result/${jobId}/drafts/1$`));
      await member.getByTestId('draft-back').click();
      await member.waitForURL(new RegExp(`/result/${jobId}$`));
    });

    await journey.step('admin-revokes-an-invite', admin, async () => {
      await admin.goto('/admin');
      await admin.locator('#note').fill('spare');
      await admin.getByTestId('mint-submit').click();
      await admin.getByTestId('minted-invite').waitFor();
      const spare = {
        code: await textOf(admin.getByTestId('minted-code')),
        link: await textOf(admin.getByTestId('minted-link')),
      };
      const row = admin.getByTestId('invite-row').filter({ hasText: spare.code });
      expect(await row.getAttribute('data-status')).toBe('active');
      await row.getByRole('button', { name: 'Revoke' }).click();
      await admin.locator('[data-testid="invite-row"][data-status="revoked"]', { hasText: spare.code }).waitFor();
      expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      // Only that one: carol's invite stays listed as used.
      expect(await admin.getByTestId('invite-row').filter({ hasText: invite.code }).getAttribute('data-status')).toBe(
        'used',
      );

      // Someone opening the revoked link cannot register with it.
      const stranger = await person();
      await stranger.goto(spare.link);
      await stranger.locator('#username').fill('stranger');
      await stranger.locator('#password').fill('stranger passphrase 123');
      await stranger.getByRole('button', { name: 'Create account' }).click();
      await stranger.getByTestId('form-error').waitFor();
      expect(await authBar(stranger)).toMatchObject({ login: true, user: null });
    });

    await journey.step('admin-disables-the-user', admin, async () => {
      const row = admin.locator(`[data-testid="user-row"][data-username="${MEMBER.username}"]`);
      await row.locator('summary', { hasText: 'Manage' }).click();
      await row.getByRole('button', { name: 'Disable', exact: true }).click();
      await admin
        .locator(`[data-testid="user-row"][data-username="${MEMBER.username}"] .badge-bad`, { hasText: 'disabled' })
        .waitFor();
    });

    await journey.step('disabled-user-next-click-lands-on-login', member, async () => {
      // The member is still looking at the finished result page; their next click is "My jobs".
      await member.locator('header.authbar').getByRole('link', { name: 'My jobs' }).click();
      await member.waitForURL((url) => url.pathname === '/login');
      expect(new URL(member.url()).searchParams.get('next')).toBe('/jobs');
      expect(await authBar(member)).toEqual({ login: true, register: true, admin: false, user: null, logout: false });
    });
  });
});
