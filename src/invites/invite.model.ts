import { Role } from '../users/user.model';

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
  [extra: string]: unknown;
}

export interface InvitesFile {
  codes: InviteRecord[];
  [extra: string]: unknown;
}

export type InviteStatus = 'active' | 'used' | 'expired' | 'revoked';

export interface Invite {
  code: string;
  note: string;
  role: Role;
  createdAt: string | null;
  createdBy: string | null;
  maxUses: number;
  uses: number;
  expiresAt: string | null;
  revokedAt: string | null;
  usedBy: string[];
  status: InviteStatus;
}

export function usesOf(record: InviteRecord): number {
  return typeof record.uses === 'number' ? record.uses : record.used ? 1 : 0;
}

export function maxUsesOf(record: InviteRecord): number {
  return typeof record.max_uses === 'number' && record.max_uses >= 1 ? record.max_uses : 1;
}

export function inviteStatus(record: InviteRecord, now: Date): InviteStatus {
  if (record.revoked_at) return 'revoked';
  if (usesOf(record) >= maxUsesOf(record)) return 'used';
  if (record.expires_at && new Date(record.expires_at).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function toInvite(record: InviteRecord, now: Date): Invite {
  return {
    code: record.code,
    note: record.note ?? '',
    role: record.role === 'admin' ? 'admin' : 'user',
    createdAt: record.created_at ?? null,
    createdBy: record.created_by ?? null,
    maxUses: maxUsesOf(record),
    uses: usesOf(record),
    expiresAt: record.expires_at ?? null,
    revokedAt: record.revoked_at ?? null,
    usedBy: record.used_by ?? [],
    status: inviteStatus(record, now),
  };
}
