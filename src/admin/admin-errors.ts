import { FormError } from '../common/errors/form-error';

/** An admin may not disable, demote or delete their own account (they would lock themself out). */
export class SelfLockoutError extends FormError {
  constructor(action: 'disable' | 'demote' | 'delete') {
    super(`You cannot ${action} your own account. Ask another admin to do it.`, {}, 400);
  }
}

export class DeleteNotConfirmedError extends FormError {
  constructor(username: string) {
    super(`Tick "confirm" to delete ${username}.`, {}, 400);
  }
}
