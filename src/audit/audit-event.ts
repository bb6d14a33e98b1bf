/** Security events written to DATA_DIR/audit.jsonl (one JSON object per line). */
export type AuditEventName =
  | 'login.success'
  | 'login.failure'
  | 'login.throttled'
  | 'logout'
  | 'register'
  | 'register.refused'
  | 'register.throttled'
  | 'invite.mint'
  | 'invite.revoke'
  | 'invite.use'
  | 'user.role'
  | 'user.disable'
  | 'user.enable'
  | 'user.delete'
  | 'user.sessions_revoked'
  | 'user.password_reset_link'
  | 'user.password_reset'
  | 'user.password_change'
  | 'user.password_change_failure'
  | 'user.quota'
  | 'users.export'
  | 'admin.bootstrap'
  | 'admin.setup'
  | 'admin.cli'
  | 'job.qc_rerun'
  | 'job.delete'
  | 'quota.refused'
  | '2fa.enable'
  | '2fa.disable'
  | '2fa.disable_refused'
  | '2fa.reset'
  | 'login.2fa_failure'
  | 'login.recovery_code'
  | 'token.create'
  | 'token.revoke';

export interface AuditEntry {
  at: string;
  event: AuditEventName;
  actor: string | null;
  ip: string | null;
  [detail: string]: unknown;
}

export interface AuditContext {
  actor?: string | null;
  ip?: string | null;
  [detail: string]: unknown;
}
