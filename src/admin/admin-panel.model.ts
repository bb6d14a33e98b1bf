import { Role } from '../users/user.model';
import { InviteStatus } from '../invites/invite.model';

/** What views/admin/panel.hbs renders; built by AdminService.panel(). */
export interface AdminPanelView {
  users: PanelUser[];
  invites: PanelInvite[];
  audit: PanelAuditEvent[];
  bootstrap: BootstrapState;
  defaultDailyDrafts: string;
}

export interface PanelUser {
  username: string;
  /** URL path segment for the per-user forms. */
  path: string;
  role: Role;
  isAdmin: boolean;
  createdAt: string | null;
  invitedBy: string | null;
  lastLoginAt: string | null;
  disabled: boolean;
  /** Two-factor login is on (SPEC §5.1); never anything about the secret. */
  twoFactor: boolean;
  /** Unexpired personal API tokens the user holds (SPEC §5.2); never anything about the tokens. */
  apiTokens: number;
  dailyLimit: string;
  dailyLimitIsDefault: boolean;
  /** The per-user override as typed in the quota field ('' = the default). */
  dailyDraftsOverride: string;
  isSelf: boolean;
}

export interface PanelInvite {
  code: string;
  path: string;
  note: string;
  role: Role;
  uses: number;
  maxUses: number;
  usedBy: string;
  createdAt: string | null;
  createdBy: string | null;
  expiresAt: string | null;
  status: InviteStatus;
  isActive: boolean;
  isRevoked: boolean;
  /** Full `/register?code=...` URL, only while the invite can still be used. */
  link: string | null;
}

export interface PanelAuditEvent {
  at: string;
  event: string;
  actor: string | null;
  ip: string | null;
  details: string;
}

export interface BootstrapState {
  /** ADMIN_BOOTSTRAP_PASSWORD is set. */
  enabled: boolean;
  adminExists: boolean;
  /** SPEC §6.2 applies right now: any logged-in user may create "admin". */
  open: boolean;
}

/** Exported by GET /admin/users.json: never a password hash, invite code or session version. */
export interface ExportedUser {
  id: string;
  username: string;
  role: Role;
  created_at: string | null;
  disabled: boolean;
  invited_by: string | null;
  last_login_at: string | null;
  daily_drafts: number | null;
}
