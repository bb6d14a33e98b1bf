import type { User } from '../auth/users/user.model';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by SessionUserMiddleware when the session names a live, enabled user. */
      user?: User;
    }
  }
}

export {};
