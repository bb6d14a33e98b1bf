import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { strictMock } from '../../../test/helpers/strict-mock';
import { AuditService } from '../../audit/audit.service';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { TOO_MANY_AT_ONCE, TooManyAttemptsError } from '../auth-errors';
import { InFlightChecks, MAX_CHECKS_IN_FLIGHT_PER_IP, MAX_CHECKS_IN_FLIGHT_PER_USERNAME } from './in-flight-checks';
import { PasswordAttempts } from './password-attempts.service';
import { RateLimiter } from './rate-limiter.service';
import { JsonThrottleRepository } from './persistence/json/json-throttle.repository';
import { storedCounters } from '../../../test/helpers/throttle-files';

/** A check that resolves when the test says so, and counts how many were started. */
function gatedChecks() {
  const releases: Array<() => void> = [];
  let started = 0;
  let open = false;
  const check = (answer: boolean) => () =>
    new Promise<boolean>((resolve) => {
      started++;
      if (open) resolve(answer);
      else releases.push(() => resolve(answer));
    });
  const releaseAll = () => {
    open = true;
    releases.splice(0).forEach((r) => r());
  };
  return { check, started: () => started, releaseAll };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not met in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PasswordAttempts (the login lockout around a password check)', () => {
  let dir: string;
  let audit: ReturnType<typeof strictMock<AuditService>>;
  let inFlight: InFlightChecks;
  let attempts: PasswordAttempts;
  let clock: ManualClock;
  const config = { loginMaxFailures: 5, loginMaxFailuresPerIp: 10, loginLockoutMinutes: 15 } as AppConfig;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-attempts-'));
    clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const limiter = new RateLimiter(
      new JsonThrottleRepository(new JsonStore({ dataDir: dir } as AppConfig), clock),
      clock,
    );
    audit = strictMock<AuditService>('AuditService', { record: async () => undefined });
    inFlight = new InFlightChecks();
    attempts = new PasswordAttempts(limiter, inFlight, audit, config);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('40 wrong passwords at once for one username: at most LOGIN_MAX_FAILURES are checked, then it is locked', async () => {
    const gate = gatedChecks();
    let settled = 0;
    const runs = Array.from({ length: 40 }, () =>
      attempts
        .run('alice', '1.2.3.4', gate.check(false))
        .catch((e) => e)
        .finally(() => settled++),
    );
    // Every attempt is answered or being checked before any check finishes: they really overlap.
    await until(() => settled + gate.started() === 40);
    expect(gate.started()).toBeLessThanOrEqual(MAX_CHECKS_IN_FLIGHT_PER_USERNAME);
    gate.releaseAll();
    const results = await Promise.all(runs);
    const refused = results.filter((r) => r instanceof TooManyAttemptsError);
    expect(results.length - refused.length).toBeLessThanOrEqual(5);
    expect(refused.length).toBeGreaterThanOrEqual(35);
    const right = await attempts.run('ALICE', '5.6.7.8', async () => true).catch((e) => e);
    expect(right).toBeInstanceOf(TooManyAttemptsError);
    expect(right.retryAfterSeconds).toBeGreaterThan(14 * 60);
  });

  it('caps the checks in flight per username and per IP (429 at once, Retry-After 1)', async () => {
    const gate = gatedChecks();
    const mine = Array.from({ length: MAX_CHECKS_IN_FLIGHT_PER_USERNAME }, () =>
      attempts.run('alice', '1.2.3.4', gate.check(false)),
    );
    await until(() => gate.started() === MAX_CHECKS_IN_FLIGHT_PER_USERNAME);
    const busy = await attempts.run('alice', '9.9.9.9', gate.check(false)).catch((e) => e);
    expect(busy).toBeInstanceOf(TooManyAttemptsError);
    expect(busy.message).toBe(TOO_MANY_AT_ONCE);
    expect(busy.retryAfterSeconds).toBe(1);
    const sameIp = Array.from({ length: MAX_CHECKS_IN_FLIGHT_PER_IP }, (_, i) =>
      attempts.run(`user${i}`, '1.2.3.4', gate.check(false)).catch((e) => e),
    );
    await until(() => gate.started() === MAX_CHECKS_IN_FLIGHT_PER_IP);
    await tick();
    expect(gate.started()).toBe(MAX_CHECKS_IN_FLIGHT_PER_IP); // the IP is full: 2 of alice's + 2 others
    // Another user from another IP is not held up.
    const other = attempts.run('bob', '5.6.7.8', gate.check(true));
    await until(() => gate.started() === MAX_CHECKS_IN_FLIGHT_PER_IP + 1);
    expect(gate.started()).toBe(MAX_CHECKS_IN_FLIGHT_PER_IP + 1);
    gate.releaseAll();
    await Promise.all([...mine, other, ...sameIp]);
    expect(inFlight.count('login:ip:1.2.3.4')).toBe(0);
  });

  it('a right password refunds the IP and clears the username; wrong ones stay counted', async () => {
    for (let i = 0; i < 4; i++) expect((await attempts.run('alice', '1.2.3.4', async () => false)).valid).toBe(false);
    expect(await attempts.run('alice', '1.2.3.4', async () => true)).toEqual({ valid: true, locked: false });
    const throttle = storedCounters(dir, clock.now().getTime());
    expect(throttle['login:user:alice']).toBeUndefined();
    expect(throttle['login:ip:1.2.3.4'].count).toBe(4);
  });

  it('a right password that is only the first step (two-factor login) refunds itself but keeps earlier failures', async () => {
    for (let i = 0; i < 4; i++) await attempts.run('alice', '1.2.3.4', async () => false);
    const firstStep = { firstStepOnly: () => true };
    expect(await attempts.run('alice', '1.2.3.4', async () => true, 'login', firstStep)).toEqual({
      valid: true,
      locked: false,
    });
    const throttle = storedCounters(dir, clock.now().getTime());
    expect(throttle['login:user:alice'].count).toBe(4);
    // One more failure (a wrong code) locks the username.
    expect((await attempts.run('alice', '1.2.3.4', async () => false, 'login_2fa')).locked).toBe(true);
  });

  it('the failure that reaches the limit says so; the lock is audited once per key, not per refusal', async () => {
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await attempts.run('alice', '1.2.3.4', async () => false));
    expect(outcomes.map((o) => o.locked)).toEqual([false, false, false, false, true]);
    for (let i = 0; i < 20; i++) {
      await expect(attempts.run('alice', '1.2.3.4', async () => true)).rejects.toThrow(TooManyAttemptsError);
    }
    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      'login.throttled',
      expect.objectContaining({ actor: 'alice', lock: 'username', via: 'login' }),
    );
  });

  it('groups IPv6 clients by /64 for the per-IP limit', async () => {
    for (let i = 0; i < 10; i++) await attempts.run(`u${i}`, `2001:db8:0:1::${i + 1}`, async () => false);
    await expect(attempts.run('root', '2001:db8:0:1:ffff::9', async () => true)).rejects.toThrow(TooManyAttemptsError);
    expect((await attempts.run('root', '2001:db8:0:2::1', async () => true)).valid).toBe(true);
  });
});
