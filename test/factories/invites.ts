import type { Invite } from '../../src/invites/invite.model';

/** An active single-use user invite minted by root that never expires; override what the test is about. */
export function anInvite(overrides: Partial<Invite> = {}): Invite {
  return {
    code: 'ABCDEFGHIJKLMNOPQRSTUVWX',
    note: '',
    role: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'root',
    maxUses: 1,
    uses: 0,
    expiresAt: null,
    revokedAt: null,
    usedBy: [],
    status: 'active',
    ...overrides,
  };
}
