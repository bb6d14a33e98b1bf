import type { RepositoryBinding } from '../../../persistence/persistence.module';
import { InstanceSecrets } from '../instance-secrets';
import { FileInstanceSecrets } from './json/file-instance-secrets';
import { MemoryInstanceSecrets } from './memory/memory-instance-secrets';
import { PgInstanceSecrets } from './postgres/pg-instance-secrets';

/** The generated session secret and setup token: DATA_DIR/.session-secret, or `instance_settings`. */
export const INSTANCE_SECRETS_PERSISTENCE: RepositoryBinding[] = [
  { provide: InstanceSecrets, json: FileInstanceSecrets, memory: MemoryInstanceSecrets, postgres: PgInstanceSecrets },
];
