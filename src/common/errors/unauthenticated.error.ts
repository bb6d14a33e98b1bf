import { HttpException, HttpStatus } from '@nestjs/common';

/** No (valid) session: HTML routes redirect to /login?next=..., /api answers 401 JSON. */
export class UnauthenticatedError extends HttpException {
  constructor(message = 'Log in to continue') {
    super({ error: message }, HttpStatus.UNAUTHORIZED);
  }
}
