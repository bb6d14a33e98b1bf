/** Usage per user and UTC day, so quota checks and /admin/usage never scan jobs. */
export interface DayUsage {
  jobs: number;
  /** Drafts requested (the sum of the jobs' `count`): what the daily quota counts. */
  drafts: number;
  promptTokens: number;
  completionTokens: number;
}

export interface UserUsage {
  userId: string;
  username: string;
  /** Keyed by UTC day, `YYYY-MM-DD` (the day the job was created). */
  days: Record<string, DayUsage>;
}

export function emptyDay(): DayUsage {
  return { jobs: 0, drafts: 0, promptTokens: 0, completionTokens: 0 };
}

/** The UTC day of a moment, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The next 00:00 UTC after `at`. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/** `days` UTC day keys ending with (and including) the day of `at`. */
export function lastUtcDays(at: Date, days: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < days; i++) {
    keys.push(utcDay(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - i))));
  }
  return keys;
}
