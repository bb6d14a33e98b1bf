import { Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Unit, UnitOfWork } from '../unit-of-work';
import { JsonStore } from './json-store.service';

interface ActiveUnit extends Unit {
  /** Names whose lock this unit (or an outer one) holds: a nested run of the same name must not wait for itself. */
  readonly held: ReadonlySet<string>;
  readonly undo: Array<() => Promise<void>>;
}

/**
 * Units of work over the JSON files: a named cross-process lock (DATA_DIR/locks/<name>.lock) around
 * `fn`. Files have no rollback: each repository write is atomic on its own, and when the unit fails the
 * undo steps registered with `unit.onRollback` run, newest first, still under the lock. A nested run
 * joins the outer unit (its undo steps run if the outermost unit fails; do not swallow its errors).
 */
@Injectable()
export class JsonUnitOfWork extends UnitOfWork {
  private readonly logger = new Logger('UnitOfWork');
  private readonly active = new AsyncLocalStorage<ActiveUnit>();
  /**
   * Outermost units in progress. AsyncLocalStorage.run switches on Node's promise hooks for good, and
   * then every promise of every request pays for them (~5 % of a gated page's CPU, bench/README.md);
   * once no unit is running, nothing needs the context, so the storage is disabled again.
   */
  private running = 0;

  constructor(private readonly store: JsonStore) {
    super();
  }

  run<T>(name: string, fn: (unit: Unit) => Promise<T>): Promise<T> {
    const outer = this.active.getStore();
    if (outer) {
      if (outer.held.has(name)) return fn(outer);
      return this.store.mutex(name).run(() => this.active.run(this.join(outer, name), () => fn(outer)));
    }
    return this.store.mutex(name).run(async () => {
      const unit = this.begin(name);
      this.running++;
      try {
        return await this.active.run(unit, () => fn(unit));
      } catch (error) {
        await this.rollBack(name, unit);
        throw error;
      } finally {
        if (--this.running === 0) this.active.disable();
      }
    });
  }

  private begin(name: string): ActiveUnit {
    const undo: Array<() => Promise<void>> = [];
    return { held: new Set([name]), undo, onRollback: (step) => void undo.push(step) };
  }

  /** The outer unit, seen from inside a nested run that also holds `name`. */
  private join(outer: ActiveUnit, name: string): ActiveUnit {
    return { held: new Set([...outer.held, name]), undo: outer.undo, onRollback: (step) => outer.onRollback(step) };
  }

  private async rollBack(name: string, unit: ActiveUnit): Promise<void> {
    for (const step of [...unit.undo].reverse()) {
      try {
        await step();
      } catch (error) {
        // The unit's own error is what the caller must see; a failed undo is logged for the operator.
        this.logger.error(
          `Unit "${name}": an undo step failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
