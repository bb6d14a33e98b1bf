import { Injectable } from '@nestjs/common';
import { emptyDay, UserUsage } from '../../usage/usage';
import { DraftReservation, ReservationResult, UsageLedgerRepository } from '../../usage/usage-ledger.repository';

/** The ledger in memory, for unit tests; same contract as usage.json. */
@Injectable()
export class MemoryUsageLedgerRepository extends UsageLedgerRepository {
  private users = new Map<string, UserUsage>();
  private written = false;

  reserveDrafts(r: DraftReservation): Promise<ReservationResult> {
    const used = this.users.get(r.user.id)?.days[r.day]?.drafts ?? 0;
    if (r.limit !== 0 && used + r.count > r.limit) return Promise.resolve({ granted: false, used });
    const user = this.user(r.user);
    user.username = r.user.username;
    const day = (user.days[r.day] ??= emptyDay());
    day.jobs += 1;
    day.drafts += r.count;
    for (const key of Object.keys(user.days)) if (key < r.keepFrom) delete user.days[key];
    return Promise.resolve({ granted: true, used: day.drafts });
  }

  releaseDrafts(userId: string, day: string, count: number): Promise<void> {
    const row = this.users.get(userId)?.days[day];
    if (row) {
      row.jobs = Math.max(0, row.jobs - 1);
      row.drafts = Math.max(0, row.drafts - count);
    }
    return Promise.resolve();
  }

  addTokens(
    user: { id: string; username: string },
    day: string,
    tokens: { promptTokens: number; completionTokens: number },
  ): Promise<void> {
    const row = (this.user(user).days[day] ??= emptyDay());
    row.promptTokens += tokens.promptTokens;
    row.completionTokens += tokens.completionTokens;
    return Promise.resolve();
  }

  draftsUsed(userId: string, day: string): Promise<number> {
    return Promise.resolve(this.users.get(userId)?.days[day]?.drafts ?? 0);
  }

  allUsage(): Promise<UserUsage[]> {
    return Promise.resolve(structuredClone([...this.users.values()]));
  }

  hasLedger(): Promise<boolean> {
    return Promise.resolve(this.written);
  }

  replaceAll(usage: UserUsage[]): Promise<void> {
    this.users = new Map(usage.map((user) => [user.userId, structuredClone(user)]));
    this.written = true;
    return Promise.resolve();
  }

  private user(user: { id: string; username: string }): UserUsage {
    this.written = true;
    let ledger = this.users.get(user.id);
    if (!ledger) this.users.set(user.id, (ledger = { userId: user.id, username: user.username, days: {} }));
    return ledger;
  }
}
