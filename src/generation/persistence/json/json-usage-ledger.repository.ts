import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../../persistence/json/shapes';
import { UserUsage } from '../../usage/usage';
import { DraftReservation, ReservationResult, UsageLedgerRepository } from '../../usage/usage-ledger.repository';
import { dayToRecord, emptyDayRecord, UsageFile, usageFromFile } from './usage.record';

export const USAGE_FILE = 'usage.json';

/** DATA_DIR/usage.json; each change is one atomic read-check-write under JsonFile's cross-process lock. */
@Injectable()
export class JsonUsageLedgerRepository extends UsageLedgerRepository {
  private readonly file: JsonFile<UsageFile>;

  constructor(private readonly store: JsonStore) {
    super();
    this.file = store.file<UsageFile>(USAGE_FILE, {
      empty: () => ({ users: {} }),
      validate: assertObjectWithMap('users'),
    });
  }

  reserveDrafts(r: DraftReservation): Promise<ReservationResult> {
    return this.file.update((data) => {
      const used = data.users[r.user.id]?.days?.[r.day]?.drafts ?? 0;
      if (r.limit !== 0 && used + r.count > r.limit) return { granted: false, used };
      const ledger = (data.users[r.user.id] ??= { username: r.user.username, days: {} });
      ledger.username = r.user.username;
      ledger.days ??= {};
      const day = (ledger.days[r.day] ??= emptyDayRecord());
      day.jobs += 1;
      day.drafts += r.count;
      for (const key of Object.keys(ledger.days)) if (key < r.keepFrom) delete ledger.days[key];
      return { granted: true, used: day.drafts };
    });
  }

  async releaseDrafts(userId: string, day: string, count: number): Promise<void> {
    await this.file.update((data) => {
      const row = data.users[userId]?.days?.[day];
      if (!row) return;
      row.jobs = Math.max(0, row.jobs - 1);
      row.drafts = Math.max(0, row.drafts - count);
    });
  }

  async addTokens(
    user: { id: string; username: string },
    day: string,
    tokens: { promptTokens: number; completionTokens: number },
  ): Promise<void> {
    await this.file.update((data) => {
      const ledger = (data.users[user.id] ??= { username: user.username, days: {} });
      ledger.days ??= {};
      const row = (ledger.days[day] ??= emptyDayRecord());
      row.prompt_tokens += tokens.promptTokens;
      row.completion_tokens += tokens.completionTokens;
    });
  }

  async draftsUsed(userId: string, day: string): Promise<number> {
    return (await this.file.read()).users[userId]?.days?.[day]?.drafts ?? 0;
  }

  async allUsage(): Promise<UserUsage[]> {
    return usageFromFile(await this.file.read());
  }

  async hasLedger(): Promise<boolean> {
    try {
      await fs.promises.access(this.store.resolve(USAGE_FILE));
      return true;
    } catch {
      return false;
    }
  }

  async replaceAll(usage: UserUsage[]): Promise<void> {
    await this.file.update((data) => {
      data.users = {};
      for (const user of usage) {
        data.users[user.userId] = {
          username: user.username,
          days: Object.fromEntries(Object.entries(user.days).map(([key, day]) => [key, dayToRecord(day)])),
        };
      }
    });
  }
}
