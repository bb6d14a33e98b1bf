import * as fs from 'node:fs';
import request from 'supertest';
import { HEALTH_RESULT_TTL_MS } from '../../src/persistence/json/json-store-health';
import { CaptureLogger } from '../helpers/capture-logger';
import { createTestApp, rmDataDir, TestApp } from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';

/** SPEC §10: /healthz reads and writes the store, answers 503 when it cannot, and recovers by itself. */
describeFilesOnly('healthz-probe-file', 'GET /healthz (e2e)', () => {
  let t: TestApp;
  let logger: CaptureLogger;
  let away: string;

  beforeEach(async () => {
    logger = new CaptureLogger();
    t = await createTestApp({ logger });
    away = `${t.dataDir}.away`;
  });
  afterEach(async () => {
    if (fs.existsSync(away)) {
      fs.rmSync(t.dataDir, { recursive: true, force: true });
      fs.renameSync(away, t.dataDir);
    }
    await t.close();
    rmDataDir(t.dataDir);
  });

  /** Past the reuse window, so the next request runs a new probe. */
  const nextProbe = () => t.clock.advance(HEALTH_RESULT_TTL_MS + 1);

  async function expectHealth(status: 200 | 503) {
    const res = await request(t.http).get('/healthz').expect(status).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: status === 200 ? 'ok' : 'unavailable' });
    expect(res.headers['cache-control']).toBe('no-store');
  }

  it('is ok while DATA_DIR works, with a probe file written in it', async () => {
    await expectHealth(200);
    expect(fs.readdirSync(t.dataDir)).toContain('.healthz');
    expect(fs.readdirSync(t.dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(fs.statSync(`${t.dataDir}/.healthz`).mode & 0o777).toBe(0o600);
  });

  it('answers 503 once DATA_DIR is gone, never recreates it, and is ok again once it is back', async () => {
    await expectHealth(200);
    fs.renameSync(t.dataDir, away);
    await expectHealth(200); // the answer is reused for a second
    nextProbe();
    await expectHealth(503);
    expect(fs.existsSync(t.dataDir)).toBe(false);
    fs.renameSync(away, t.dataDir);
    await expectHealth(503);
    nextProbe();
    await expectHealth(200);

    const health = logger.from('Health');
    expect(health.map((line) => line.level)).toEqual(['error', 'log']); // one line per change, not per request
    expect(health[0].message).toContain('The store is unavailable');
    expect(health[1].message).toBe('The store is available again');
  });

  it('answers 503 when DATA_DIR has been replaced by a regular file', async () => {
    fs.renameSync(t.dataDir, away);
    fs.writeFileSync(t.dataDir, 'not a folder');
    nextProbe();
    await expectHealth(503);
    fs.rmSync(t.dataDir);
    fs.renameSync(away, t.dataDir);
    nextProbe();
    await expectHealth(200);
  });

  it('many requests at once share one probe', async () => {
    nextProbe();
    const write = jest.spyOn(fs.promises, 'writeFile');
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => request(t.http).get('/healthz')));
      expect(answers.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(write.mock.calls.filter(([file]) => typeof file === 'string' && file.includes('.healthz'))).toHaveLength(
        1,
      );
    } finally {
      write.mockRestore();
    }
  });
});
