import { DomainError } from '../common/errors/domain-error';

/** One message for unknown user, wrong password and disabled account (SPEC §4). */
export const LOGIN_FAILED = 'Invalid username or password.';

export class LoginFailedError extends DomainError {
  constructor() {
    super('invalid_credentials', LOGIN_FAILED);
  }
}

/** 429 with Retry-After (seconds) and a message saying when to try again. */
export class TooManyAttemptsError extends DomainError {
  declare readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, what = 'attempts', message?: string) {
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    super(
      'too_many_requests',
      message ?? `Too many ${what}. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      {
        retryAfterSeconds,
      },
    );
  }
}

/** Too many password checks for one username or IP are already running (a batch sent at once). */
export const BUSY_RETRY_SECONDS = 1;
export const TOO_MANY_AT_ONCE = 'Too many login attempts at once. Try again in a moment.';
