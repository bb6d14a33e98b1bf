import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { JsonStore } from './json-store.service';
import { HEALTH_PROBE_TIMEOUT_MS, HEALTH_RESULT_TTL_MS, probeDataDir, JsonStoreHealth } from './json-store-health';

describe('JsonStoreHealth', () => {
  let dir: string;
  let clock: ManualClock;
  let health: JsonStoreHealth;

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-health-'));
    clock = new ManualClock();
    health = new JsonStoreHealth({ dataDir: dir } as JsonStore, clock);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('concurrent callers share the probe in flight', async () => {
    const write = jest.spyOn(fs.promises, 'writeFile');
    const answers = await Promise.all(Array.from({ length: 10 }, () => health.healthy()));
    expect(answers).toEqual(Array(10).fill(true));
    expect(write).toHaveBeenCalledTimes(1);
  });

  it('reuses an answer for HEALTH_RESULT_TTL_MS, then probes again', async () => {
    const write = jest.spyOn(fs.promises, 'writeFile');
    await health.healthy();
    clock.advance(HEALTH_RESULT_TTL_MS - 1);
    await health.healthy();
    expect(write).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await health.healthy();
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('probes again if the wall clock went backwards', async () => {
    const write = jest.spyOn(fs.promises, 'writeFile');
    await health.healthy();
    clock.advance(-60_000);
    await health.healthy();
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('a probe that hangs answers unavailable after the timeout, and no second probe starts meanwhile', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    let release!: () => void;
    const write = jest
      .spyOn(fs.promises, 'writeFile')
      .mockImplementation(() => new Promise<void>((resolve) => (release = resolve)));
    const first = health.healthy();
    await jest.advanceTimersByTimeAsync(HEALTH_PROBE_TIMEOUT_MS);
    expect(await first).toBe(false);

    clock.advance(HEALTH_RESULT_TTL_MS);
    expect(await health.healthy()).toBe(false); // still stuck: no new probe
    expect(write).toHaveBeenCalledTimes(1);

    write.mockRestore();
    release(); // the hung probe ends (it fails: nothing was written), so probing resumes
    // Real disk I/O finishes in its own time: poll on real timers (bounded) rather than a fixed number of ticks.
    jest.useRealTimers();
    let healthy = false;
    const deadline = Date.now() + 10_000;
    while (!healthy && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      clock.advance(HEALTH_RESULT_TTL_MS);
      healthy = await health.healthy();
    }
    expect(healthy).toBe(true);
  });
});

describe('probeDataDir', () => {
  it('fails without creating a missing folder', async () => {
    const missing = path.join(os.tmpdir(), `gatehouse-missing-${process.pid}-${Date.now()}`);
    await expect(probeDataDir(missing)).rejects.toThrow(/ENOENT/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
