import { User } from '../users/user.model';

/** Who performs an admin action: a logged-in admin, or the console (`npm run cli`). */
export interface Actor {
  /** Written to the audit log as `actor`. */
  name: string;
  /** The acting account, so an admin cannot lock themself out; null for the CLI. */
  userId: string | null;
}

export const CLI_ACTOR: Actor = { name: 'cli', userId: null };

export function actorOf(user: User): Actor {
  return { name: user.username, userId: user.id };
}
