import type { UserUsage } from './usage';

export interface DraftReservation {
  /** The user, for the ledger's readable name. */
  user: { id: string; username: string };
  /** UTC day `YYYY-MM-DD`. */
  day: string;
  count: number;
  /** Drafts per day; 0 = unlimited. */
  limit: number;
  /** Days before this one are dropped from the user's ledger (retention). */
  keepFrom: string;
}

/** granted: the drafts are counted; otherwise nothing changed. `used` is the day's total after (or as it stands). */
export interface ReservationResult {
  granted: boolean;
  used: number;
}

/**
 * The usage ledger (SPEC §8): drafts reserved per user and UTC day, and the tokens jobs spent.
 * reserveDrafts checks the limit and counts the drafts in one atomic step (across processes).
 */
export abstract class UsageLedgerRepository {
  abstract reserveDrafts(reservation: DraftReservation): Promise<ReservationResult>;
  /** Gives back a reservation whose job could not be created. */
  abstract releaseDrafts(userId: string, day: string, count: number): Promise<void>;
  abstract addTokens(
    user: { id: string; username: string },
    day: string,
    tokens: { promptTokens: number; completionTokens: number },
  ): Promise<void>;
  abstract draftsUsed(userId: string, day: string): Promise<number>;
  abstract allUsage(): Promise<UserUsage[]>;
  /** false until the first write (start-up rebuilds a missing ledger from the jobs). */
  abstract hasLedger(): Promise<boolean>;
  /** Replaces the whole ledger (the rebuild). */
  abstract replaceAll(usage: UserUsage[]): Promise<void>;
}
