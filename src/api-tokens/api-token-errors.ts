import { FormError } from '../common/errors/form-error';

/**
 * 401 for a bearer token that is unknown, expired, revoked, or whose owner is disabled or deleted —
 * one message for all (SPEC §5.2). Requests carrying a bearer token are always answered in JSON.
 */
export class InvalidApiTokenError extends FormError {
  constructor(message = 'Invalid, expired or revoked API token.') {
    super(message, {}, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }
}

/** A request with both a cookie and a bearer token: refused, 400 (SPEC §5.2). */
export class CookieAndBearerError extends FormError {
  constructor() {
    super('Send either cookies or an API token (Authorization: Bearer), not both.', {}, 400);
  }
}

export const NOT_A_TOKEN_ROUTE = 'API tokens work only on /api/* and GET /download/<jobId>.zip.';
