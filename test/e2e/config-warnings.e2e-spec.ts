import { CaptureLogger } from '../helpers/capture-logger';
import { createTestApp, rmDataDir, TEST_SETUP_TOKEN } from '../helpers/test-app';

/** SPEC §3: BCRYPT_COST below 10 logs a warning at start, without any secret's value. */
describe('start-up warnings (e2e)', () => {
  const SECRET = 'config-warning-session-secret-0123456789-abcdef';
  const BOOTSTRAP = 'config-warning-bootstrap-password';

  async function startupLog(env: Record<string, string>): Promise<CaptureLogger> {
    const logger = new CaptureLogger();
    const t = await createTestApp({
      logger,
      env: { SESSION_SECRET: SECRET, ADMIN_BOOTSTRAP_PASSWORD: BOOTSTRAP, ...env },
    });
    await t.close();
    rmDataDir(t.dataDir);
    return logger;
  }

  it('BCRYPT_COST=9 logs one warning naming the variable, and no secret', async () => {
    const logger = await startupLog({ BCRYPT_COST: '9' });
    const warnings = logger.from('Config');
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^BCRYPT_COST=9 is below 10/) }),
    ]);
    const everything = logger.text();
    for (const secret of [SECRET, BOOTSTRAP, TEST_SETUP_TOKEN]) expect(everything).not.toContain(secret);
  });

  it('BCRYPT_COST=10 starts without that warning', async () => {
    const logger = await startupLog({ BCRYPT_COST: '10' });
    expect(logger.from('Config')).toEqual([]);
  });
});
