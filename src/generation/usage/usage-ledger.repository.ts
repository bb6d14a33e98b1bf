import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import { JsonFile } from '../../persistence/json/json-file';
import { JsonStore } from '../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../persistence/json/shapes';
import { UsageFile } from './usage.model';

export const USAGE_FILE = 'usage.json';

/** The only code that touches usage.json. Mutations are atomic across processes (JsonFile's lock). */
@Injectable()
export class UsageLedgerRepository {
  private readonly file: JsonFile<UsageFile>;

  constructor(private readonly store: JsonStore) {
    this.file = store.file<UsageFile>(USAGE_FILE, {
      empty: () => ({ users: {} }),
      validate: assertObjectWithMap('users'),
    });
  }

  async exists(): Promise<boolean> {
    try {
      await fs.promises.access(this.store.resolve(USAGE_FILE));
      return true;
    } catch {
      return false;
    }
  }

  read(): Promise<UsageFile> {
    return this.file.read();
  }

  /** One atomic read-check-write of the ledger; throwing leaves it unchanged. */
  mutate<R>(change: (data: UsageFile) => R): Promise<R> {
    return this.file.update(change);
  }
}
