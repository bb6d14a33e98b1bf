import type { User } from '../users/user.model';

declare global {
  namespace Express {
    interface Request {
      /** Set by SessionUserMiddleware when the session names a live, enabled user. */
      user?: User;
    }
  }
}

export {};
