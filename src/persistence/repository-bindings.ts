import { SESSIONS_PERSISTENCE } from '../auth/session/persistence/sessions.persistence';
import type { RepositoryBinding } from './persistence.module';

/**
 * Every repository of every feature, with its implementation per store. A new repository adds its
 * feature's binding list here; the contract test of each repository runs against every implementation.
 */
export const REPOSITORY_BINDINGS: RepositoryBinding[] = [...SESSIONS_PERSISTENCE];
