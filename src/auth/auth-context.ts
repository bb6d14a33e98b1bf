import type { User } from '../users/user.model';

/**
 * Who is making the request and how they proved it: the single answer of AuthService.authenticate.
 * `mfaPending` marks a half login (password checked, second factor not yet): such a request is not
 * logged in for closed routes. Bearer tokens will add a method; CSRF applies to 'session' requests.
 */
export interface AuthContext {
  user: User;
  method: 'session';
  mfaPending: boolean;
}
