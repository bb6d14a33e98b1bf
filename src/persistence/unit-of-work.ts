/** What a running unit of work offers the code inside it. */
export interface Unit {
  /**
   * Registers an undo step for a change already made in this unit. A store with transactions
   * (PostgreSQL) ignores it, because rolling back the transaction undoes the change; the files store
   * has no rollback, so it runs the registered steps (newest first) when the unit fails.
   */
  onRollback(undo: () => Promise<void>): void;
}

/**
 * A named critical section over the store: `run(name, fn)` is serialised with every other run of the
 * same name, across processes and hosts, and is as atomic as the store allows (a database transaction;
 * with files, each repository write is atomic and `unit.onRollback` undoes earlier ones). Repositories
 * called inside `fn` join the unit without being told. A nested run joins the outer unit.
 *
 * Use it for rules that span repositories ("use the invite and create the account", "reserve the
 * drafts and create the job"); a rule inside one repository belongs in one repository method.
 */
export abstract class UnitOfWork {
  abstract run<T>(name: string, fn: (unit: Unit) => Promise<T>): Promise<T>;
}
