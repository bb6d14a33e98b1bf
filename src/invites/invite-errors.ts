import { DomainError } from '../common/errors/domain-error';

/** One message for unknown, expired, revoked and used-up codes (SPEC §5): reveal nothing. */
export const INVITE_NOT_VALID = 'This invite code is not valid.';

export class InviteNotValidError extends DomainError {
  constructor() {
    super('invalid_input', INVITE_NOT_VALID, { field: 'inviteCode' });
  }
}

export class InviteCodeTakenError extends DomainError {
  constructor() {
    super('invalid_input', 'That code already exists.', { field: 'code' });
  }
}

export class InviteNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'No such invite.', { field: 'code' });
  }
}
