import { DayUsage, UserUsage } from '../../usage/usage';

/** DATA_DIR/usage.json: `{users: {<userId>: {username, days: {YYYY-MM-DD: DayRecord}}}}` (snake_case). */
export interface DayRecord {
  jobs: number;
  drafts: number;
  prompt_tokens: number;
  completion_tokens: number;
  [extra: string]: unknown;
}

export interface UserLedgerRecord {
  username: string;
  days: Record<string, DayRecord>;
  [extra: string]: unknown;
}

export interface UsageFile {
  users: Record<string, UserLedgerRecord>;
}

export function emptyDayRecord(): DayRecord {
  return { jobs: 0, drafts: 0, prompt_tokens: 0, completion_tokens: 0 };
}

export function dayFromRecord(day: Partial<DayRecord>): DayUsage {
  return {
    jobs: day.jobs ?? 0,
    drafts: day.drafts ?? 0,
    promptTokens: day.prompt_tokens ?? 0,
    completionTokens: day.completion_tokens ?? 0,
  };
}

export function dayToRecord(day: DayUsage): DayRecord {
  return {
    jobs: day.jobs,
    drafts: day.drafts,
    prompt_tokens: day.promptTokens,
    completion_tokens: day.completionTokens,
  };
}

export function usageFromFile(data: UsageFile): UserUsage[] {
  return Object.entries(data.users).map(([userId, ledger]) => ({
    userId,
    username: ledger.username,
    days: Object.fromEntries(Object.entries(ledger.days ?? {}).map(([key, day]) => [key, dayFromRecord(day)])),
  }));
}
