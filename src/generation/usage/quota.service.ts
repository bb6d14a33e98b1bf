import { HttpStatus, Injectable } from '@nestjs/common';
import { User } from '../../users/user.model';
import { Clock } from '../../common/clock/clock';
import { FormError } from '../../common/errors/form-error';
import { AppConfig } from '../../config/app-config';
import { JobIndexEntry } from '../jobs/job.model';
import { UsageLedgerRepository } from './usage-ledger.repository';
import { emptyDay, lastUtcDays, nextUtcMidnight, UsageFile, utcDay } from './usage.model';

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

/** 429 on the home form: the limit, what is left and when it resets; Retry-After in seconds. */
export class QuotaExceededError extends FormError {
  constructor(
    readonly quota: QuotaStatus,
    readonly requested: number,
    retryAfterSeconds: number,
  ) {
    const left = quota.left ?? 0;
    super(
      `Daily limit reached: you may request ${quota.limit} draft${quota.limit === 1 ? '' : 's'} per day and have ` +
        `${left} left today, but asked for ${requested}. The limit resets at 00:00 UTC ` +
        `(${quota.resetsAt.slice(0, 16).replace('T', ' ')} UTC).`,
      { count: [`You have ${left} draft${left === 1 ? '' : 's'} left today.`] },
      HttpStatus.TOO_MANY_REQUESTS,
      { 'Retry-After': String(Math.max(1, retryAfterSeconds)) },
    );
  }
}

/**
 * Daily draft quotas (SPEC §8). "Used" is the sum of the `count` of the user's jobs created that UTC
 * day, read from the ledger. The check and the reservation are one ledger mutation, which JsonFile
 * serialises in-process and across processes, so concurrent submissions never overshoot.
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
    return this.statusFrom(await this.ledger.read(), user, at);
  }

  /**
   * Reserves `count` drafts on the day of `at`, or throws QuotaExceededError (nothing changes).
   * Call `release` if the job then cannot be created.
   */
  async reserve(user: QuotaUser, count: number, at: Date): Promise<QuotaStatus> {
    return this.ledger.mutate((data) => {
      const quota = this.statusFrom(data, user, at);
      if (!quota.unlimited && count > (quota.left ?? 0)) {
        throw new QuotaExceededError(quota, count, Math.ceil((Date.parse(quota.resetsAt) - at.getTime()) / 1000));
      }
      const ledger = (data.users[user.id] ??= { username: user.username, days: {} });
      ledger.username = user.username;
      const day = (ledger.days[quota.day] ??= emptyDay());
      day.jobs += 1;
      day.drafts += count;
      prune(ledger.days, at);
      return { ...quota, used: quota.used + count, left: quota.unlimited ? null : (quota.left ?? 0) - count };
    });
  }

  /** Gives back a reservation whose job could not be created. */
  async release(user: QuotaUser, count: number, at: Date): Promise<void> {
    await this.ledger.mutate((data) => {
      const day = data.users[user.id]?.days[utcDay(at)];
      if (!day) return;
      day.jobs = Math.max(0, day.jobs - 1);
      day.drafts = Math.max(0, day.drafts - count);
    });
  }

  /** Adds a finished job's tokens to the day it was created on. */
  async recordTokens(
    owner: { id: string; username: string },
    createdAt: string,
    tokens: { prompt_tokens: number; completion_tokens: number },
  ): Promise<void> {
    if (tokens.prompt_tokens === 0 && tokens.completion_tokens === 0) return;
    await this.ledger.mutate((data) => {
      const ledger = (data.users[owner.id] ??= { username: owner.username, days: {} });
      const day = (ledger.days[createdAt.slice(0, 10)] ??= emptyDay());
      day.prompt_tokens += tokens.prompt_tokens;
      day.completion_tokens += tokens.completion_tokens;
    });
  }

  /** Rebuilds usage.json from the jobs index (start-up, when the ledger file is missing). */
  async rebuild(entries: JobIndexEntry[], at: Date = this.clock.now()): Promise<void> {
    const keep = new Set(lastUtcDays(at, LEDGER_RETENTION_DAYS));
    await this.ledger.mutate((data) => {
      data.users = {};
      for (const job of entries) {
        const key = job.created_at.slice(0, 10);
        if (!keep.has(key)) continue;
        const ledger = (data.users[job.owner_id] ??= { username: job.owner, days: {} });
        const day = (ledger.days[key] ??= emptyDay());
        day.jobs += 1;
        day.drafts += job.count;
        day.prompt_tokens += job.usage?.prompt_tokens ?? 0;
        day.completion_tokens += job.usage?.completion_tokens ?? 0;
      }
    });
  }

  private statusFrom(data: UsageFile, user: QuotaUser, at: Date): QuotaStatus {
    const limit = this.limitFor(user);
    const day = utcDay(at);
    const used = data.users[user.id]?.days[day]?.drafts ?? 0;
    const unlimited = limit === 0;
    return {
      limit,
      unlimited,
      override: user.dailyDrafts !== null && user.dailyDrafts !== undefined,
      used,
      left: unlimited ? null : Math.max(0, limit - used),
      resetsAt: nextUtcMidnight(at).toISOString(),
      day,
    };
  }
}

function prune(days: Record<string, unknown>, at: Date): void {
  const oldest = lastUtcDays(at, LEDGER_RETENTION_DAYS).at(-1) as string;
  for (const key of Object.keys(days)) if (key < oldest) delete days[key];
}
