import { Injectable } from '@nestjs/common';
import { User } from '../../users/user.model';
import { Clock } from '../../common/clock/clock';
import { QuotaService, QuotaStatus } from './quota.service';
import { UsageLedgerRepository } from './usage-ledger.repository';
import { DayUsage, lastUtcDays, nextUtcMidnight, UsageFile } from './usage.model';

export interface UsageTotals {
  jobs: number;
  drafts: number;
  prompt_tokens: number;
  completion_tokens: number;
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
    const data = await this.ledger.read();
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
        ...sums(data, user.id, windows),
      });
    }
    for (const [userId, ledger] of Object.entries(data.users)) {
      if (seen.has(userId)) continue;
      const row = { userId, username: ledger.username, path: '', exists: false, role: null, quota: null };
      const usage = sums(data, userId, windows);
      if (usage.month.jobs > 0) rows.push({ ...row, ...usage });
    }
    return {
      day: windows.today[0],
      resetsAt: nextUtcMidnight(now).toISOString(),
      defaultLimit,
      rows,
      totals: {
        today: addAll(rows.map((r) => r.today)),
        week: addAll(rows.map((r) => r.week)),
        month: addAll(rows.map((r) => r.month)),
      },
    };
  }
}

function sums(
  data: UsageFile,
  userId: string,
  windows: { today: string[]; week: string[]; month: string[] },
): Pick<UsageRow, 'today' | 'week' | 'month'> {
  const days = data.users[userId]?.days ?? {};
  const total = (keys: string[]) => addAll(keys.map((k) => days[k]).filter((d): d is DayUsage => !!d));
  return { today: total(windows.today), week: total(windows.week), month: total(windows.month) };
}

function addAll(items: Array<Omit<UsageTotals, 'tokens'> & { tokens?: number }>): UsageTotals {
  const out: UsageTotals = { jobs: 0, drafts: 0, prompt_tokens: 0, completion_tokens: 0, tokens: 0 };
  for (const item of items) {
    out.jobs += item.jobs;
    out.drafts += item.drafts;
    out.prompt_tokens += item.prompt_tokens;
    out.completion_tokens += item.completion_tokens;
  }
  out.tokens = out.prompt_tokens + out.completion_tokens;
  return out;
}
