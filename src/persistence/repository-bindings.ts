import { TWO_FACTOR_BINDINGS } from '../auth/two-factor/persistence/two-factor.persistence';
import type { RepositoryBinding } from './persistence.module';

/**
 * Every repository of every feature, with its implementation per store. A new repository adds its
 * feature's binding list here; the contract test of each repository runs against every implementation.
 */
export const REPOSITORY_BINDINGS: RepositoryBinding[] = [...TWO_FACTOR_BINDINGS];
