import { AUDIT_PERSISTENCE } from '../audit/persistence/audit.persistence';
import { INSTANCE_SECRETS_PERSISTENCE } from '../auth/secrets/persistence/instance-secrets.persistence';
import { RESET_PERSISTENCE } from '../auth/reset/persistence/reset.persistence';
import { SESSIONS_PERSISTENCE } from '../auth/session/persistence/sessions.persistence';
import { THROTTLING_PERSISTENCE } from '../auth/throttling/persistence/throttling.persistence';
import { TWO_FACTOR_BINDINGS } from '../auth/two-factor/persistence/two-factor.persistence';
import { GENERATION_BINDINGS } from '../generation/persistence/generation.persistence';
import { INVITES_PERSISTENCE } from '../invites/persistence/invites.persistence';
import { USERS_PERSISTENCE } from '../users/persistence/users.persistence';
import type { RepositoryBinding } from './persistence.module';

/**
 * Every repository of every feature, with its implementation per store. A new repository adds its
 * feature's binding list here; the contract test of each repository runs against every implementation.
 */
export const REPOSITORY_BINDINGS: RepositoryBinding[] = [
  ...USERS_PERSISTENCE,
  ...INVITES_PERSISTENCE,
  ...AUDIT_PERSISTENCE,
  ...RESET_PERSISTENCE,
  ...THROTTLING_PERSISTENCE,
  ...SESSIONS_PERSISTENCE,
  ...GENERATION_BINDINGS,
  ...TWO_FACTOR_BINDINGS,
  ...INSTANCE_SECRETS_PERSISTENCE,
];
