/** Field name → messages, for forms and JSON errors. */
export type FieldErrors = Record<string, string[]>;

/**
 * What went wrong, in domain terms. Presentation decides the rest: the HTTP exception filter maps
 * the code to a status (see DOMAIN_ERROR_STATUS) and a page or JSON body, the CLI to an exit code.
 */
export type DomainErrorCode =
  | 'invalid_input' // 400: the request can be corrected (field errors say how)
  | 'invalid_credentials' // 401: wrong username/password/code
  | 'forbidden' // 403
  | 'not_found' // 404: missing, or not yours (never say which)
  | 'conflict' // 409: taken, exists already, not in a state that allows it
  | 'too_many_requests' // 429: locked out or over a quota; retryAfterSeconds says when to come back
  | 'unavailable'; // 503: the store cannot be reached

export const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  invalid_input: 400,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  unavailable: 503,
};

export interface DomainErrorOptions {
  /** The form field the message belongs to (shortcut for `fields: { [field]: [message] }`). */
  field?: string;
  fields?: FieldErrors;
  retryAfterSeconds?: number;
  /** Extra machine-readable facts for JSON answers (e.g. a quota's limit and reset time). */
  details?: Record<string, unknown>;
  /**
   * The refusal is about the page itself (it does not exist any more, e.g. /admin/setup once an admin
   * exists), not about what was typed into it: HTTP answers the error page, never the form again.
   */
  formless?: boolean;
}

/** Services throw this (or a subclass); they never throw HTTP exceptions. */
export class DomainError extends Error {
  readonly fields: FieldErrors;
  readonly retryAfterSeconds?: number;
  readonly details: Record<string, unknown>;
  readonly formless: boolean;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.fields = options.fields ?? (options.field ? { [options.field]: [message] } : {});
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details ?? {};
    this.formless = options.formless ?? false;
  }

  get status(): number {
    return DOMAIN_ERROR_STATUS[this.code];
  }
}
