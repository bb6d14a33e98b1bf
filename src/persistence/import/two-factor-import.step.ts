import { Injectable } from '@nestjs/common';
import type { TwoFactorRecord } from '../../auth/two-factor/persistence/json/two-factor.record';
import { InstanceSecrets } from '../../auth/secrets/instance-secrets';
import { SecretBox } from '../../auth/two-factor/secret-box';
import { TwoFactorRepository } from '../../auth/two-factor/two-factor.repository';
import { AppConfig } from '../../config/app-config';
import { userIdOf } from '../../users/persistence/json/user.record';
import { ImportSourceError } from './files-import.service';
import type { FilesSiteReader } from './files-site.reader';
import type { ImportReport, ImportStep } from './import-steps';

/**
 * Two-factor enrolments (and setups in progress), so moving up never turns anyone's second factor
 * off. TOTP secrets are sealed under a key derived from the session secret (SecretBox), so:
 * - the files site's secret is its `.session-secret`, else SESSION_SECRET (the site ran with it);
 * - the database's is SESSION_SECRET when set; else the one the database keeps, and when it keeps
 *   none yet (a fresh database), the files site's becomes the database's (in this transaction);
 * - a sealed secret the database's key does not open is opened with the files site's key and sealed
 *   again with the database's; one that no key opens refuses the whole import, as copying it would
 *   lock that user out.
 * Recovery-code hashes and the last accepted time step (replay guard) are copied as they are.
 */
@Injectable()
export class TwoFactorImportStep implements ImportStep {
  constructor(
    private readonly twoFactor: TwoFactorRepository,
    private readonly secrets: InstanceSecrets,
    private readonly config: AppConfig,
  ) {}

  async run(source: FilesSiteReader, report: ImportReport): Promise<void> {
    const known = new Set(source.users().users.map(userIdOf));
    const states = Object.entries(source.twoFactor().users).filter(
      ([userId, record]) => known.has(userId) && (record.enrolment || record.pending),
    );
    if (states.length === 0) {
      report.counts.push({ kind: 'two-factor enrolments', count: 0 });
      return;
    }
    const oldSecrets = [source.sessionSecret(), this.config.sessionSecret].filter((s): s is string => !!s);
    if (oldSecrets.length === 0) {
      throw new ImportSourceError(
        'two-factor.json holds sealed secrets, but the files site kept no .session-secret and SESSION_SECRET ' +
          'is unset: set SESSION_SECRET to the secret the files site ran with',
      );
    }
    const newSecret = await this.databaseSecret(oldSecrets[0], report);
    const reseal = this.resealer(oldSecrets, newSecret);

    let enrolled = 0;
    let pending = 0;
    for (const [userId, record] of states) {
      if (await this.copy(userId, record, reseal)) enrolled++;
      else pending++;
    }
    report.counts.push({
      kind: 'two-factor enrolments',
      count: enrolled,
      detail: pending ? `and ${pending} setup(s) in progress` : undefined,
    });
  }

  /** True when two-factor login was on (an enrolment), false for a setup in progress. */
  private async copy(userId: string, record: TwoFactorRecord, reseal: (sealed: string) => string): Promise<boolean> {
    const enrolment = record.enrolment;
    if (!enrolment) {
      const setup = record.pending!;
      await this.twoFactor.savePending(userId, reseal(setup.sealed_secret), setup.created_at);
      return false;
    }
    const sealed = reseal(enrolment.sealed_secret);
    // The repository's own path: a pending secret confirmed into an enrolment, with its last step.
    await this.twoFactor.savePending(userId, sealed, enrolment.enabled_at);
    const enabled = await this.twoFactor.enable(userId, {
      sealedSecret: sealed,
      enabledAt: enrolment.enabled_at,
      usedStep: enrolment.last_used_step ?? 0,
      recoveryCodeHashes: [...(enrolment.recovery_code_hashes ?? [])],
    });
    if (!enabled) throw new Error(`two-factor.json, user ${userId}: the enrolment could not be stored`);
    return true;
  }

  /**
   * A sealed secret that the database's key opens is kept as it is; otherwise the first of the files
   * site's candidate secrets that opens it gives the plaintext, sealed again under the database's key.
   */
  private resealer(oldSecrets: string[], newSecret: string): (sealed: string) => string {
    const to = SecretBox.forSecret(newSecret);
    const from = oldSecrets.filter((secret) => secret !== newSecret).map((secret) => SecretBox.forSecret(secret));
    return (sealed) => {
      if (to.open(sealed) !== undefined) return sealed;
      for (const box of from) {
        const secret = box.open(sealed);
        if (secret !== undefined) return to.seal(secret);
      }
      throw new ImportSourceError(
        "two-factor.json holds a secret that the files site's session secret does not open: set " +
          'SESSION_SECRET to the secret the files site ran with',
      );
    };
  }

  /** SESSION_SECRET, else the database's kept one; a fresh database keeps the files site's (in this transaction). */
  private async databaseSecret(oldSecret: string, report: ImportReport): Promise<string> {
    if (this.config.sessionSecret) return this.config.sessionSecret;
    const kept = await this.secrets.getOrCreate('session_secret', () => oldSecret);
    if (kept === oldSecret) {
      report.notes.push(
        "SESSION_SECRET is unset: the database keeps the files site's session secret, shared by every host.",
      );
    }
    return kept;
  }
}
