import { GENERATION_BINDINGS } from '../generation/persistence/generation.persistence';
import type { RepositoryBinding } from './persistence.module';

/**
 * Every repository of every feature, with its implementation per store. A new repository adds its
 * feature's binding list here; the contract test of each repository runs against every implementation.
 */
export const REPOSITORY_BINDINGS: RepositoryBinding[] = [...GENERATION_BINDINGS];
