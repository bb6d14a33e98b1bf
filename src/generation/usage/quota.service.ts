import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/user.model';
import { JobSummary } from '../jobs/job';
import { emptyDay, lastUtcDays, nextUtcMidnight, UserUsage, utcDay } from './usage';
import { UsageLedgerRepository } from './usage-ledger.repository';

/** Days kept in the ledger; /admin/usage shows at most 30. */
export const LEDGER_RETENTION_DAYS = 90;

export interface QuotaStatus {
  /** Drafts per UTC day; 0 = unlimited. */
  limit: number;
  unlimited: boolean;
  /** True when an admin set this user's own limit. */
  override: boolean;
  used: number;
  /** null when unlimited. */
  left: number | null;
  /** The next 00:00 UTC, ISO. */
  resetsAt: string;
  day: string;
}

type QuotaUser = Pick<User, 'id' | 'username' | 'dailyDrafts'>;

/** 429: the limit, what is left and when it resets; Retry-After in seconds; `count` is the field at fault. */
export class QuotaExceededError extends DomainError {
  constructor(
    readonly quota: QuotaStatus,
    readonly requested: number,
    retryAfterSeconds: number,
  ) {
    const left = quota.left ?? 0;
    super(
      'too_many_requests',
      `Daily limit reached: you may request ${quota.limit} draft${quota.limit === 1 ? '' : 's'} per day and have ` +
        `${left} left today, but asked for ${requested}. The limit resets at 00:00 UTC ` +
        `(${quota.resetsAt.slice(0, 16).replace('T', ' ')} UTC).`,
      {
        fields: { count: [`You have ${left} draft${left === 1 ? '' : 's'} left today.`] },
        retryAfterSeconds: Math.max(1, retryAfterSeconds),
        details: { limit: quota.limit, left, requested, resets_at: quota.resetsAt },
      },
    );
  }
}

/**
 * Daily draft quotas (SPEC §8). "Used" is the sum of the `count` of the user's jobs created that UTC
 * day, read from the ledger; UsageLedgerRepository.reserveDrafts checks and counts in one atomic step,
 * so concurrent submissions never overshoot.
 */
@Injectable()
export class QuotaService {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** The user's drafts per day: their override, else GENERATION_DAILY_DRAFTS; 0 = unlimited. */
  limitFor(user: Pick<User, 'dailyDrafts'>): number {
    return user.dailyDrafts ?? this.config.generationDailyDrafts;
  }

  async status(user: QuotaUser, at: Date = this.clock.now()): Promise<QuotaStatus> {
    return this.statusOf(user, await this.ledger.draftsUsed(user.id, utcDay(at)), at);
  }

  /**
   * Reserves `count` drafts on the day of `at`, or throws QuotaExceededError (nothing changes).
   * Call `release` if the job then cannot be created.
   */
  async reserve(user: QuotaUser, count: number, at: Date): Promise<QuotaStatus> {
    const limit = this.limitFor(user);
    const day = utcDay(at);
    const result = await this.ledger.reserveDrafts({
      user: { id: user.id, username: user.username },
      day,
      count,
      limit,
      keepFrom: lastUtcDays(at, LEDGER_RETENTION_DAYS).at(-1) as string,
    });
    const quota = this.statusOf(user, result.used, at);
    if (!result.granted) {
      throw new QuotaExceededError(quota, count, Math.ceil((Date.parse(quota.resetsAt) - at.getTime()) / 1000));
    }
    return quota;
  }

  /** Gives back a reservation whose job could not be created. */
  async release(user: Pick<User, 'id'>, count: number, at: Date): Promise<void> {
    await this.ledger.releaseDrafts(user.id, utcDay(at), count);
  }

  /** Adds a finished job's tokens to the day it was created on. */
  async recordTokens(
    owner: { id: string; username: string },
    createdAt: string,
    tokens: { promptTokens: number; completionTokens: number },
  ): Promise<void> {
    if (tokens.promptTokens === 0 && tokens.completionTokens === 0) return;
    await this.ledger.addTokens(owner, createdAt.slice(0, 10), tokens);
  }

  /** Rebuilds the ledger from the jobs (start-up, when it is missing). */
  async rebuild(jobs: JobSummary[], at: Date = this.clock.now()): Promise<void> {
    const keep = new Set(lastUtcDays(at, LEDGER_RETENTION_DAYS));
    const users = new Map<string, UserUsage>();
    for (const job of jobs) {
      const key = job.createdAt.slice(0, 10);
      if (!keep.has(key)) continue;
      let ledger = users.get(job.ownerId);
      if (!ledger) users.set(job.ownerId, (ledger = { userId: job.ownerId, username: job.owner, days: {} }));
      const day = (ledger.days[key] ??= emptyDay());
      day.jobs += 1;
      day.drafts += job.count;
      day.promptTokens += job.usage.promptTokens;
      day.completionTokens += job.usage.completionTokens;
    }
    await this.ledger.replaceAll([...users.values()]);
  }

  private statusOf(user: QuotaUser, used: number, at: Date): QuotaStatus {
    const limit = this.limitFor(user);
    const unlimited = limit === 0;
    return {
      limit,
      unlimited,
      override: user.dailyDrafts !== null && user.dailyDrafts !== undefined,
      used,
      left: unlimited ? null : Math.max(0, limit - used),
      resetsAt: nextUtcMidnight(at).toISOString(),
      day: utcDay(at),
    };
  }
}
