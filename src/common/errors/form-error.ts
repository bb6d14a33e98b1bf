import { HttpException, HttpStatus } from '@nestjs/common';

import type { FieldErrors } from './domain-error';

export type { FieldErrors };

/**
 * An input problem on an HTML form: the exception filter re-renders the handler's @FormView with
 * these messages and what the user typed (minus passwords), with `status` (400, 401, 409, 429...).
 */
export class FormError extends HttpException {
  constructor(
    readonly formMessage: string,
    readonly fieldErrors: FieldErrors = {},
    status: number = HttpStatus.BAD_REQUEST,
    readonly headers: Record<string, string> = {},
  ) {
    super({ message: formMessage, error: formMessage, fields: fieldErrors }, status);
  }

  static field(field: string, message: string, status: number = HttpStatus.BAD_REQUEST): FormError {
    return new FormError(message, { [field]: [message] }, status);
  }
}
