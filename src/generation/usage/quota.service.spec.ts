import { ManualClock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { JobSummary } from '../jobs/job';
import { MemoryUsageLedgerRepository } from '../persistence/memory/memory-usage-ledger.repository';
import { QuotaExceededError, QuotaService } from './quota.service';
import { UserUsage } from './usage';

/** The memory ledger, with what the tests look at: one user's days, and how many writes happened. */
class Ledger extends MemoryUsageLedgerRepository {
  writes = 0;
  override reserveDrafts(...args: Parameters<MemoryUsageLedgerRepository['reserveDrafts']>) {
    this.writes++;
    return super.reserveDrafts(...args);
  }
  override addTokens(...args: Parameters<MemoryUsageLedgerRepository['addTokens']>) {
    this.writes++;
    return super.addTokens(...args);
  }
  async days(userId: string) {
    return (await this.allUsage()).find((u) => u.userId === userId)?.days ?? {};
  }
}

const alice = { id: 'u-alice', username: 'alice', dailyDrafts: null as number | null };

describe('QuotaService', () => {
  let ledger: Ledger;
  let clock: ManualClock;
  let service: QuotaService;

  beforeEach(() => {
    ledger = new Ledger();
    clock = new ManualClock(new Date('2026-06-10T15:30:00Z'));
    service = new QuotaService(ledger, { generationDailyDrafts: 10 } as AppConfig, clock);
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
    expect((await ledger.days('u-alice'))['2026-06-10']).toEqual({
      jobs: 2,
      drafts: 10,
      promptTokens: 0,
      completionTokens: 0,
    });

    const before = await ledger.allUsage();
    const error = await service.reserve(alice, 1, clock.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toBeInstanceOf(DomainError);
    const refusal = error as QuotaExceededError;
    expect(refusal.status).toBe(429);
    expect(refusal.message).toBe(
      'Daily limit reached: you may request 10 drafts per day and have 0 left today, but asked for 1. ' +
        'The limit resets at 00:00 UTC (2026-06-11 00:00 UTC).',
    );
    expect(refusal.retryAfterSeconds).toBe(8.5 * 3600);
    expect(refusal.fields).toEqual({ count: ['You have 0 drafts left today.'] });
    expect(refusal.details).toEqual({ limit: 10, left: 0, requested: 1, resets_at: '2026-06-11T00:00:00.000Z' });
    expect(refusal.quota).toMatchObject({ limit: 10, left: 0, used: 10 });
    expect(await ledger.allUsage()).toEqual(before);
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
    service = new QuotaService(ledger, { generationDailyDrafts: 0 } as AppConfig, clock);
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
    expect((await ledger.days('u-alice'))['2026-06-10'].drafts).toBe(9);
  });

  it('release() gives a reservation back', async () => {
    await service.reserve(alice, 4, clock.now());
    await service.release(alice, 4, clock.now());
    expect((await ledger.days('u-alice'))['2026-06-10']).toMatchObject({ jobs: 0, drafts: 0 });
  });

  it('recordTokens() adds tokens to the day the job was created, and skips zero usage', async () => {
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T22:00:00.000Z', {
      promptTokens: 5,
      completionTokens: 7,
    });
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T23:00:00.000Z', {
      promptTokens: 1,
      completionTokens: 1,
    });
    const writes = ledger.writes;
    await service.recordTokens({ id: 'u-alice', username: 'alice' }, '2026-06-09T23:00:00.000Z', {
      promptTokens: 0,
      completionTokens: 0,
    });
    expect(ledger.writes).toBe(writes);
    expect((await ledger.days('u-alice'))['2026-06-09']).toEqual({
      jobs: 0,
      drafts: 0,
      promptTokens: 6,
      completionTokens: 8,
    });
  });

  it('rebuild() derives the ledger from the jobs index, keeping the retention window', async () => {
    const entry = (ownerId: string, createdAt: string, count: number, tokens = 0): JobSummary => ({
      id: `${ownerId}-${createdAt}`,
      owner: ownerId.toUpperCase(),
      ownerId,
      brief: '',
      status: 'succeeded',
      createdAt,
      finishedAt: createdAt,
      count,
      provider: 'offline',
      qcPassed: true,
      usage: { drafts: count, promptTokens: tokens, completionTokens: tokens * 2 },
    });
    await service.rebuild([
      entry('a', '2026-06-10T01:00:00.000Z', 2),
      entry('a', '2026-06-10T02:00:00.000Z', 3, 10),
      entry('b', '2026-06-01T02:00:00.000Z', 1),
      entry('b', '2025-01-01T02:00:00.000Z', 9),
    ]);
    expect(await ledger.allUsage()).toEqual<UserUsage[]>([
      {
        userId: 'a',
        username: 'A',
        days: { '2026-06-10': { jobs: 2, drafts: 5, promptTokens: 10, completionTokens: 20 } },
      },
      {
        userId: 'b',
        username: 'B',
        days: { '2026-06-01': { jobs: 1, drafts: 1, promptTokens: 0, completionTokens: 0 } },
      },
    ]);
  });

  it('prunes ledger days older than the retention window when reserving', async () => {
    await ledger.replaceAll([
      {
        userId: 'u-alice',
        username: 'alice',
        days: { '2025-01-01': { jobs: 1, drafts: 1, promptTokens: 0, completionTokens: 0 } },
      },
    ]);
    await service.reserve(alice, 1, clock.now());
    expect(Object.keys(await ledger.days('u-alice'))).toEqual(['2026-06-10']);
  });
});
