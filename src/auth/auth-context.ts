import type { User } from '../users/user.model';

/**
 * Who is making the request and how they proved it: the single answer of AuthService.authenticate.
 * `mfaPending` marks a half login (password checked, second factor not yet): such a request is not
 * logged in for closed routes. `token`: a personal API token (`Authorization: Bearer gat_...`, SPEC
 * §5.2), only on /api/* and GET /download/<id>.zip; CSRF applies to 'session' requests only.
 */
export interface AuthContext {
  user: User;
  method: 'session' | 'token';
  mfaPending: boolean;
  /** The API token's id, for method 'token'. */
  tokenId?: string;
}
