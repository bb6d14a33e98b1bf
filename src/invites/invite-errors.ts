import { FormError } from '../common/errors/form-error';

/** One message for unknown, expired, revoked and used-up codes (SPEC §5): reveal nothing. */
export const INVITE_NOT_VALID = 'This invite code is not valid.';

export class InviteNotValidError extends FormError {
  constructor() {
    super(INVITE_NOT_VALID, { inviteCode: [INVITE_NOT_VALID] }, 400);
  }
}
