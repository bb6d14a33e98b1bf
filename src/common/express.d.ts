import type { AuthContext } from '../auth/auth-context';
import type { User } from '../users/user.model';

declare global {
  namespace Express {
    interface Request {
      /** Set by AuthenticationGuard: who the request is and how they proved it (undefined: anonymous). */
      auth?: AuthContext;
      /** The fully logged-in user of `auth` (for @CurrentUser and the views). */
      user?: User;
    }
  }
}

export {};
