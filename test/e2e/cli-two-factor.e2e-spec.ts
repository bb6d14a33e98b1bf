import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { createTestApp, loginAs, mintInvite, register, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { enrolTwoFactor, passwordStep } from '../helpers/two-factor';

/** `npm run cli -- reset-2fa <username>` (SPEC §5.1) against a running app's DATA_DIR. Needs dist/ (npm run build). */
describe('CLI reset-2fa (e2e)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
    await setupAdmin(t, 'root', 'correct horse battery');
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it("turns off the user's two-factor login and ends their sessions; audited as cli", async () => {
    await register(t, 'bob', 'purple monkey dishwasher', await mintInvite(t));
    const bob = (await loginAs(t, 'bob', 'purple monkey dishwasher')).agent;
    const { secret, codes } = await enrolTwoFactor(t, bob);
    expect((await passwordStep(t, 'bob', 'purple monkey dishwasher')).res.headers.location).toBe('/login/2fa');

    // The app under test takes SESSION_SECRET from its environment; the CLI gets none and needs none.
    expect(fs.existsSync(path.join(t.dataDir, '.session-secret'))).toBe(false);
    const result = await runCli(t.dataDir, ['reset-2fa', 'bob']);
    expect(fs.existsSync(path.join(t.dataDir, '.session-secret'))).toBe(false);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Turned off two-factor login for bob and ended all their sessions.');
    for (const value of [secret, ...codes]) expect(result.stdout).not.toContain(value);

    expect((await bob.get('/jobs').expect(303)).headers.location).toMatch(/^\/login/);
    expect((await passwordStep(t, 'bob', 'purple monkey dishwasher')).res.headers.location).toBe('/');
    const events = await t.state.audit();
    expect(events.some((e) => e.event === '2fa.reset' && e.actor === 'cli' && e.target === 'bob')).toBe(true);
  });

  it('refuses an unknown user and a user without two-factor login (exit 1)', async () => {
    const unknown = await runCli(t.dataDir, ['reset-2fa', 'ghost']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No such user: ghost');
    const notOn = await runCli(t.dataDir, ['reset-2fa', 'root']);
    expect(notOn.code).toBe(1);
    expect(notOn.stderr).toContain('root does not have two-factor login on.');
    const usage = await runCli(t.dataDir, ['reset-2fa']);
    expect(usage.code).toBe(2);
  });
});
