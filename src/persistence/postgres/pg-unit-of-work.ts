import { Injectable } from '@nestjs/common';
import { Unit, UnitOfWork } from '../unit-of-work';
import { Database } from './database';

/** The rollback undoes everything, so there is nothing to register. */
const TRANSACTIONAL_UNIT: Unit = { onRollback: () => undefined };

/**
 * UnitOfWork over PostgreSQL: `run(name, fn)` is one transaction that first waits for the
 * transaction-scoped advisory lock of `name` (so it is serialised with every run of that name on any
 * connection of any host), then runs `fn`; COMMIT when it resolves, ROLLBACK when it throws.
 *
 * A nested run joins the outer transaction and also takes its own name's lock (held until the outer
 * transaction ends). A serialization failure (40001) or deadlock (40P01) — e.g. two hosts nesting
 * the same names in opposite orders — reruns the whole unit up to 4 times with a random pause
 * (`Database.transaction`), so `fn` must have no side effects outside the database.
 */
@Injectable()
export class PgUnitOfWork extends UnitOfWork {
  constructor(private readonly db: Database) {
    super();
  }

  run<T>(name: string, fn: (unit: Unit) => Promise<T>): Promise<T> {
    return this.db.transaction(async () => {
      await this.db.advisoryXactLock(`unit:${name}`);
      return fn(TRANSACTIONAL_UNIT);
    });
  }
}
