/** The secrets an instance generates for itself when the environment does not give them. */
export type InstanceSecretName = 'session_secret' | 'setup_token_sha256';

/**
 * Secrets shared by every process of one instance (SPEC §9): SESSION_SECRET when it is not in the
 * environment, and the generated setup token's SHA-256 (the token itself is never stored). Files mode keeps the session secret in
 * DATA_DIR/.session-secret (one host); postgres mode keeps both in `instance_settings`, so every host
 * on the database agrees, and writes nothing under DATA_DIR. Bound per store like the repositories
 * (persistence/instance-secrets.persistence.ts). Values are never logged.
 */
export abstract class InstanceSecrets {
  /**
   * The value kept under `name`; when none is kept yet, `candidate()` is kept and returned. Concurrent
   * first calls (any process, any host) all get the same value: the first writer's.
   */
  abstract getOrCreate(name: InstanceSecretName, candidate: () => string): Promise<string>;
}
