import { Injectable } from '@nestjs/common';
import { User } from '../../users/user.model';
import { Clock } from '../../common/clock/clock';
import { QuotaService, QuotaStatus } from './quota.service';
import { DayUsage, lastUtcDays, nextUtcMidnight, UserUsage } from './usage';
import { UsageLedgerRepository } from './usage-ledger.repository';

export interface UsageTotals {
  jobs: number;
  drafts: number;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
}

export interface UsageRow {
  userId: string;
  username: string;
  /** The username as a URL path segment. */
  path: string;
  /** false for a deleted user whose usage is still in the ledger. */
  exists: boolean;
  role: string | null;
  quota: QuotaStatus | null;
  today: UsageTotals;
  week: UsageTotals;
  month: UsageTotals;
}

export interface UsageReport {
  day: string;
  resetsAt: string;
  defaultLimit: number;
  rows: UsageRow[];
  totals: { today: UsageTotals; week: UsageTotals; month: UsageTotals };
}

/** /admin/usage: per user, today / last 7 UTC days / last 30 UTC days (each including today), from the ledger. */
@Injectable()
export class UsageReportService {
  constructor(
    private readonly ledger: UsageLedgerRepository,
    private readonly quota: QuotaService,
    private readonly clock: Clock,
  ) {}

  async report(users: User[], defaultLimit: number): Promise<UsageReport> {
    const now = this.clock.now();
    const ledgers = new Map((await this.ledger.allUsage()).map((usage) => [usage.userId, usage]));
    const windows = { today: lastUtcDays(now, 1), week: lastUtcDays(now, 7), month: lastUtcDays(now, 30) };
    const rows: UsageRow[] = [];
    const seen = new Set<string>();
    for (const user of [...users].sort((a, b) => a.username.localeCompare(b.username))) {
      seen.add(user.id);
      rows.push({
        userId: user.id,
        username: user.username,
        path: encodeURIComponent(user.username),
        exists: true,
        role: user.role,
        quota: await this.quota.status(user, now),
        ...sums(ledgers.get(user.id), windows),
      });
    }
    for (const [userId, ledger] of ledgers) {
      if (seen.has(userId)) continue;
      const row = { userId, username: ledger.username, path: '', exists: false, role: null, quota: null };
      const usage = sums(ledger, windows);
      if (usage.month.jobs > 0) rows.push({ ...row, ...usage });
    }
    return {
      day: windows.today[0],
      resetsAt: nextUtcMidnight(now).toISOString(),
      defaultLimit,
      rows,
      totals: {
        today: addTotals(rows.map((r) => r.today)),
        week: addTotals(rows.map((r) => r.week)),
        month: addTotals(rows.map((r) => r.month)),
      },
    };
  }
}

function sums(
  ledger: UserUsage | undefined,
  windows: { today: string[]; week: string[]; month: string[] },
): Pick<UsageRow, 'today' | 'week' | 'month'> {
  const days = ledger?.days ?? {};
  const total = (keys: string[]) => addAll(keys.map((k) => days[k]).filter((d): d is DayUsage => !!d));
  return { today: total(windows.today), week: total(windows.week), month: total(windows.month) };
}

function addAll(items: DayUsage[]): UsageTotals {
  const out: UsageTotals = { jobs: 0, drafts: 0, promptTokens: 0, completionTokens: 0, tokens: 0 };
  for (const item of items) {
    out.jobs += item.jobs;
    out.drafts += item.drafts;
    out.promptTokens += item.promptTokens;
    out.completionTokens += item.completionTokens;
  }
  out.tokens = out.promptTokens + out.completionTokens;
  return out;
}

function addTotals(items: UsageTotals[]): UsageTotals {
  return addAll(
    items.map(({ jobs, drafts, promptTokens, completionTokens }) => ({ jobs, drafts, promptTokens, completionTokens })),
  );
}
