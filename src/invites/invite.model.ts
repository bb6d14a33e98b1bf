import { Role } from '../users/user.model';

export type InviteStatus = 'active' | 'used' | 'expired' | 'revoked';

/** An invite code as the app sees it (domain type, camelCase). */
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

/** What a repository needs to store a new invite (the service picks the code and the times). */
export interface NewInviteData {
  code: string;
  note: string;
  role: Role;
  createdAt: string;
  createdBy: string | null;
  maxUses: number;
  expiresAt: string | null;
}

/** The facts an invite's status depends on, whatever the store. */
export interface InviteState {
  revokedAt: string | null;
  uses: number;
  maxUses: number;
  expiresAt: string | null;
}

export function inviteStatus(invite: InviteState, now: Date): InviteStatus {
  if (invite.revokedAt) return 'revoked';
  if (invite.uses >= invite.maxUses) return 'used';
  if (invite.expiresAt && new Date(invite.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}
