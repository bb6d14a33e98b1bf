import { DomainError } from '../common/errors/domain-error';

/** An admin may not disable, demote or delete their own account (they would lock themself out). */
export class SelfLockoutError extends DomainError {
  constructor(action: 'disable' | 'demote' | 'delete') {
    super('invalid_input', `You cannot ${action} your own account. Ask another admin to do it.`);
  }
}

export class DeleteNotConfirmedError extends DomainError {
  constructor(username: string) {
    super('invalid_input', `Tick "confirm" to delete ${username}.`);
  }
}
