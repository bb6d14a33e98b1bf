import { Injectable, OnModuleInit } from '@nestjs/common';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../persistence/json/shapes';
import type { ApiToken } from '../../api-token.model';
import { ApiTokensRepository, lastUsedIsDue } from '../../api-tokens.repository';
import { countLive, newestFirst } from '../memory/memory-api-tokens.repository';
import { ApiTokenRecord, ApiTokensFile, toApiToken, toApiTokenRecord } from './api-token.record';

export const API_TOKENS_FILE = 'api-tokens.json';

/**
 * DATA_DIR/api-tokens.json (0600 like every data file): digests, never tokens. A bearer request looks
 * its digest up in a Map rebuilt only when the file changed (another worker's write included: the
 * file is re-read when its inode changes), so authentication costs a stat, not a scan. Reads never
 * create the file (the first token does); an existing file is checked at start (corrupt: start-up stops).
 */
@Injectable()
export class JsonApiTokensRepository extends ApiTokensRepository implements OnModuleInit {
  private readonly file: JsonFile<ApiTokensFile>;
  private byHash = new Map<string, ApiTokenRecord>();
  /** What byHash was built from: the rows array read, at the file's revision (an in-place change bumps it). */
  private indexed: { rows: ApiTokenRecord[]; revision: number } | undefined;

  constructor(store: JsonStore) {
    super();
    this.file = store.file<ApiTokensFile>(API_TOKENS_FILE, {
      empty: () => ({ tokens: [] }),
      validate: assertObjectWithArray('tokens'),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.file.readIfExists();
  }

  private async records(): Promise<ApiTokenRecord[]> {
    return (await this.file.readIfExists())?.tokens ?? [];
  }

  async create(token: ApiToken): Promise<void> {
    await this.file.update((data) => {
      data.tokens.push(toApiTokenRecord(token));
    });
  }

  async findByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    const rows = await this.records();
    // Keyed on the rows too, not the revision alone: a read that lost a race against a newer reload may
    // answer older rows without moving the revision, and they must not be indexed under the newer one.
    if (this.indexed?.rows !== rows || this.indexed.revision !== this.file.revision) {
      this.byHash = new Map(rows.map((r) => [r.token_sha256, r]));
      this.indexed = { rows, revision: this.file.revision };
    }
    const record = this.byHash.get(tokenSha256);
    return record && toApiToken(record);
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    return newestFirst((await this.records()).filter((r) => r.user_id === userId).map(toApiToken));
  }

  delete(userId: string, id: string): Promise<ApiToken | undefined> {
    return this.file.update((data) => {
      const index = data.tokens.findIndex((r) => r.id === id && r.user_id === userId);
      if (index < 0) return undefined;
      const [removed] = data.tokens.splice(index, 1);
      return toApiToken(removed);
    });
  }

  deleteAllForUser(userId: string): Promise<ApiToken[]> {
    return this.file.update((data) => {
      const removed = data.tokens.filter((r) => r.user_id === userId);
      if (removed.length > 0) data.tokens = data.tokens.filter((r) => r.user_id !== userId);
      return newestFirst(removed.map(toApiToken));
    });
  }

  async touch(id: string, at: Date, everyMs: number): Promise<boolean> {
    // Read first: a token used within the minute costs no lock and no write.
    const current = (await this.records()).find((r) => r.id === id);
    if (!current || !lastUsedIsDue(current.last_used_at, at, everyMs)) return false;
    return this.file.update((data) => {
      const record = data.tokens.find((r) => r.id === id);
      if (!record || !lastUsedIsDue(record.last_used_at, at, everyMs)) return false;
      record.last_used_at = at.toISOString();
      return true;
    });
  }

  async countLiveByUser(now: Date): Promise<Map<string, number>> {
    return countLive((await this.records()).map(toApiToken), now);
  }
}
