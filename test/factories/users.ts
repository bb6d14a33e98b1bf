import type { User } from '../../src/users/user.model';

/** A plain enabled user "bob" invited by root; override what the test is about. */
export function aUser(overrides: Partial<User> = {}): User {
  return {
    id: 'id-bob',
    username: 'bob',
    role: 'user',
    createdAt: '2026-01-01T00:00:00.000Z',
    disabled: false,
    invitedBy: 'root',
    lastLoginAt: null,
    sessionVersion: 0,
    dailyDrafts: null,
    ...overrides,
  };
}

/** The first admin, "root". */
export function anAdmin(overrides: Partial<User> = {}): User {
  return aUser({ id: 'id-root', username: 'root', role: 'admin', invitedBy: null, ...overrides });
}
