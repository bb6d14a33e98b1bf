import { DomainError } from '../common/errors/domain-error';

export class UsernameTakenError extends DomainError {
  constructor() {
    super('conflict', 'That username is taken.', { field: 'username' });
  }
}

export class LastAdminError extends DomainError {
  constructor() {
    super('invalid_input', 'The last admin cannot be disabled, demoted or deleted.');
  }
}

export class UserNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'No such user.');
  }
}

export class AdminExistsError extends DomainError {
  constructor() {
    super('conflict', 'An admin already exists.');
  }
}

/**
 * An enabled admin must remain: refuses to disable, demote or delete the last one. Shared by every
 * UsersRepository implementation, which runs it inside the same atomic change as the write.
 */
export function assertNotLastAdmin<T extends { role: string; disabled?: boolean }>(target: T, all: readonly T[]): void {
  if (target.role !== 'admin' || target.disabled) return;
  const otherEnabledAdmins = all.filter((u) => u !== target && u.role === 'admin' && !u.disabled).length;
  if (otherEnabledAdmins === 0) throw new LastAdminError();
}
