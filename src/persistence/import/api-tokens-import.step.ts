import { Injectable } from '@nestjs/common';
import * as path from 'node:path';
import { ApiTokensRepository } from '../../api-tokens/api-tokens.repository';
import { toApiToken } from '../../api-tokens/persistence/json/api-token.record';
import { API_TOKENS_FILE } from '../../api-tokens/persistence/json/json-api-tokens.repository';
import { DomainError } from '../../common/errors/domain-error';
import { userIdOf } from '../../users/persistence/json/user.record';
import { ImportSourceError } from './files-import.service';
import type { FilesSiteReader } from './files-site.reader';
import type { ImportReport, ImportStep } from './import-steps';

/**
 * Personal API tokens, so scripts keep working after the move: id, owner, name, SHA-256 digest,
 * created, expires and last used, through the store's own ApiTokensRepository.create (a full record,
 * joining the import's transaction). Only digests move: the tokens themselves were shown once and
 * never written to the files, and a bearer request is looked up by the same digest in the database.
 * Expired tokens are copied too (they stay listed until revoked, as in files mode). A token whose
 * owner is not in users.json (nothing left could use it: the owner is re-read on every request) is
 * left behind and counted.
 */
@Injectable()
export class ApiTokensImportStep implements ImportStep {
  constructor(private readonly tokens: ApiTokensRepository) {}

  async run(source: FilesSiteReader, report: ImportReport): Promise<void> {
    const file = path.join(source.root, API_TOKENS_FILE);
    const known = new Set(source.users().users.map(userIdOf));
    let copied = 0;
    let orphans = 0;
    for (const record of source.apiTokens().tokens) {
      if (!known.has(record.user_id)) {
        orphans++;
        continue;
      }
      await this.tokens.create(toApiToken(record)).catch((error: unknown) => {
        if (error instanceof DomainError) throw error;
        throw new ImportSourceError(
          `${file}, token "${record.id}": ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      copied++;
    }
    report.counts.push({
      kind: 'API tokens',
      count: copied,
      detail: orphans ? `${orphans} of unknown user(s) left behind` : undefined,
    });
  }
}
