import { Invite, inviteStatus, NewInviteData } from '../../invite.model';

/** invites.json, the prototype's `{code, note, used}` extended with snake_case keys (SPEC §7). */
export interface InviteRecord {
  code: string;
  note?: string;
  /** Kept in step with uses >= max_uses so the prototype still reads the file correctly. */
  used?: boolean;
  /** 'admin' or 'user'; anything else reads as 'user'. */
  role?: string;
  created_at?: string;
  created_by?: string | null;
  max_uses?: number;
  uses?: number;
  expires_at?: string | null;
  revoked_at?: string | null;
  revoked_by?: string | null;
  used_by?: string[];
  /** When the last use was taken (written by redeem; not shown anywhere yet). */
  last_used_at?: string | null;
  /** Keys this version does not know survive every rewrite. */
  [extra: string]: unknown;
}

export interface InvitesFile {
  codes: InviteRecord[];
  [extra: string]: unknown;
}

/** Prototype rows have only `used`: false means one use left, true means none. */
export function usesOf(record: InviteRecord): number {
  return typeof record.uses === 'number' ? record.uses : record.used ? 1 : 0;
}

export function maxUsesOf(record: InviteRecord): number {
  return typeof record.max_uses === 'number' && record.max_uses >= 1 ? record.max_uses : 1;
}

export function toInvite(record: InviteRecord, now: Date): Invite {
  const state = {
    revokedAt: record.revoked_at ?? null,
    uses: usesOf(record),
    maxUses: maxUsesOf(record),
    expiresAt: record.expires_at ?? null,
  };
  return {
    code: record.code,
    note: record.note ?? '',
    role: record.role === 'admin' ? 'admin' : 'user',
    createdAt: record.created_at ?? null,
    createdBy: record.created_by ?? null,
    ...state,
    usedBy: [...(record.used_by ?? [])],
    status: inviteStatus(state, now),
  };
}

export function toInviteRecord(input: NewInviteData): InviteRecord {
  return {
    code: input.code,
    note: input.note,
    used: false,
    role: input.role,
    created_at: input.createdAt,
    created_by: input.createdBy,
    max_uses: input.maxUses,
    uses: 0,
    expires_at: input.expiresAt,
    revoked_at: null,
    used_by: [],
  };
}
