import { ManualClock } from '../../common/clock/clock';
import { FormError } from '../../common/errors/form-error';
import { AppConfig } from '../../config/app-config';
import { JobIndexEntry } from '../jobs/job.model';
import { QuotaExceededError, QuotaService } from './quota.service';
import { UsageLedgerRepository } from './usage-ledger.repository';
import { UsageFile } from './usage.model';

/** The ledger as the store behaves: a mutation that throws leaves the data unchanged. */
class MemoryLedger {
  data: UsageFile = { users: {} };
  mutations = 0;
  async read() {
    return this.data;
  }
  async exists() {
    return true;
  }
  async mutate<R>(change: (data: UsageFile) => R): Promise<R> {
    this.mutations++;
    const draft = structuredClone(this.data);
    const result = change(draft);
    this.data = draft;
    return result;
  }
}

const alice = { id: 'u-alice', username: 'alice', dailyDrafts: null as number | null };

describe('QuotaService', () => {
  let ledger: MemoryLedger;
  let clock: ManualClock;
  let service: QuotaService;

  beforeEach(() => {
    ledger = new MemoryLedger();
    clock = new ManualClock(new Date('2026-06-10T15:30:00Z'));
    service = new QuotaService(
      ledger as unknown as UsageLedgerRepository,
      { generationDailyDrafts: 10 } as AppConfig,
      clock,
    );
  });

  it('starts with the default limit, nothing used, resetting at the next 00:00 UTC', async () => {
    expect(await service.status(alice)).toEqual({
      limit: 10,
      unlimited: false,
      override: false,
      used: 0,
      left: 10,
      resetsAt: '2026-06-11T00:00:00.000Z',
      day: '2026-06-10',
    });
  });

  it('reserves up to exactly the limit, then refuses with 429, Retry-After and an unchanged ledger', async () => {
    await service.reserve(alice, 6, clock.now());
    const status = await service.reserve(alice, 4, clock.now());
    expect(status).toMatchObject({ used: 10, left: 0 });
    expect(ledger.data.users['u-alice'].days['2026-06-10']).toEqual({
      jobs: 2,
      drafts: 10,
      prompt_tokens: 0,
      completion_tokens: 0,
    });

    const before = structuredClone(ledger.data);
    const error = await service.reserve(alice, 1, clock.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toBeInstanceOf(FormError);
    const refusal = error as QuotaExceededError;
    expect(refusal.getStatus()).toBe(429);
    expect(refusal.formMessage).toBe(
      'Daily limit reached: you may request 10 drafts per day and have 0 left today, but asked for 1. ' +
        'The limit resets at 00:00 UTC (2026-06-11 00:00 UTC).',
    );
    expect(refusal.headers['Retry-After']).toBe(String(8.5 * 3600));
    expect(refusal.quota).toMatchObject({ limit: 10, left: 0, used: 10 });
    expect(ledger.data).toEqual(before);
  });

  it('refuses a request larger than what is left even when something is left', async () => {
    await service.reserve(alice, 7, clock.now());
    await expect(service.reserve(alice, 4, clock.now())).rejects.toThrow('have 3 left today, but asked for 4');
    await expect(service.reserve(alice, 3, clock.now())).resolves.toMatchObject({ left: 0 });
  });

  it('uses the per-user override: higher, lower, and 0 = unlimited', async () => {
    await expect(service.reserve({ ...alice, dailyDrafts: 20 }, 15, clock.now())).resolves.toMatchObject({
      limit: 20,
      override: true,
      left: 5,
    });
    await expect(service.reserve({ ...alice, dailyDrafts: 2 }, 1, clock.now())).rejects.toThrow(QuotaExceededError);
    const unlimited = await service.reserve({ ...alice, dailyDrafts: 0 }, 10, clock.now());
    expect(unlimited).toMatchObject({ unlimited: true, left: null, used: 25 });
    expect(service.limitFor({ dailyDrafts: null })).toBe(10);
  });

  it('treats GENERATION_DAILY_DRAFTS=0 as unlimited', async () => {
    service = new QuotaService(
      ledger as unknown as UsageLedgerRepository,
      { generationDailyDrafts: 0 } as AppConfig,
      clock,
    );
    for (let i = 0; i < 5; i++) await service.reserve(alice, 10, clock.now());
    expect(await service.status(alice)).toMatchObject({ unlimited: true, left: null, used: 50 });
  });

  it('counts per UTC day: a new day starts from zero', async () => {
    clock.set(new Date('2026-06-10T23:59:59Z'));
    await service.reserve(alice, 10, clock.now());
    await expect(service.reserve(alice, 1, clock.now())).rejects.toThrow(QuotaExceededError);
    clock.advance(1000);
    expect(await service.status(alice)).toMatchObject({
      day: '2026-06-11',
      used: 0,
      left: 10,
      resetsAt: '2026-06-12T00:00:00.000Z',
    });
    await expect(service.reserve(alice, 10, clock.now())).resolves.toMatchObject({ left: 0 });
  });

  it('serialises concurrent reservations: only what fits is granted', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => service.reserve(alice, 3, clock.now())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(ledger.data.users['u-alice'].days['2026-06-10'].drafts).toBe(9);
  });

  it('release() gives a reservation back', async () => {
    await service.reserve(alice, 4, clock.now());
    await service.release(alice, 4, clock.now());
    expect(ledger.data.users['u-alice'].days['2026-06-10']).toMatchObject({ jobs: 0, drafts: 0 });
  });

  it('recordTokens() adds tokens to the day the job was created, and skips zero usage', async () => {
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T22:00:00.000Z', {
      prompt_tokens: 5,
      completion_tokens: 7,
    });
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T23:00:00.000Z', {
      prompt_tokens: 1,
      completion_tokens: 1,
    });
    const mutations = ledger.mutations;
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T23:00:00.000Z', {
      prompt_tokens: 0,
      completion_tokens: 0,
    });
    expect(ledger.mutations).toBe(mutations);
    expect(ledger.data.users['u-alice'].days['2026-06-09']).toEqual({
      jobs: 0,
      drafts: 0,
      prompt_tokens: 6,
      completion_tokens: 8,
    });
  });

  it('rebuild() derives the ledger from the jobs index, keeping the retention window', async () => {
    const entry = (owner_id: string, created_at: string, count: number, tokens = 0): JobIndexEntry => ({
      id: `${owner_id}-${created_at}`,
      owner: owner_id.toUpperCase(),
      owner_id,
      status: 'succeeded',
      created_at,
      finished_at: created_at,
      count,
      provider: 'offline',
      qc_passed: true,
      usage: { drafts: count, prompt_tokens: tokens, completion_tokens: tokens * 2 },
      claimed_by: null,
      claimed_by_runner: null,
    });
    await service.rebuild([
      entry('a', '2026-06-10T01:00:00.000Z', 2),
      entry('a', '2026-06-10T02:00:00.000Z', 3, 10),
      entry('b', '2026-06-01T02:00:00.000Z', 1),
      entry('b', '2025-01-01T02:00:00.000Z', 9),
    ]);
    expect(ledger.data.users).toEqual({
      a: { username: 'A', days: { '2026-06-10': { jobs: 2, drafts: 5, prompt_tokens: 10, completion_tokens: 20 } } },
      b: { username: 'B', days: { '2026-06-01': { jobs: 1, drafts: 1, prompt_tokens: 0, completion_tokens: 0 } } },
    });
  });

  it('prunes ledger days older than the retention window when reserving', async () => {
    ledger.data.users['u-alice'] = {
      username: 'alice',
      days: { '2025-01-01': { jobs: 1, drafts: 1, prompt_tokens: 0, completion_tokens: 0 } },
    };
    await service.reserve(alice, 1, clock.now());
    expect(Object.keys(ledger.data.users['u-alice'].days)).toEqual(['2026-06-10']);
  });
});
