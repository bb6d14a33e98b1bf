import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Clock } from '../../common/clock/clock';
import { StoreHealth } from '../store-health';
import { JsonStore } from './json-store.service';

/** The probe's file under DATA_DIR (a few bytes, rewritten by every probe). */
export const HEALTH_PROBE_FILE = '.healthz';
/** A probe's answer is reused this long: a load balancer polling under load costs one probe a second. */
export const HEALTH_RESULT_TTL_MS = 1000;
/** A probe that has not finished by then (a hung disk or network mount) counts as a failure. */
export const HEALTH_PROBE_TIMEOUT_MS = 2000;

const TIMED_OUT = Symbol('timed out');

/**
 * Writes a random token to a temp file under `dir`, reads it back and renames it over `.healthz`: the
 * store's own operations (write, read, atomic rename). Never creates `dir`: a deleted or replaced
 * DATA_DIR must fail the probe, not be quietly recreated empty.
 */
export async function probeDataDir(dir: string): Promise<void> {
  const token = randomBytes(8).toString('hex');
  const temp = path.join(dir, `${HEALTH_PROBE_FILE}.${process.pid}.tmp`);
  try {
    await fs.promises.writeFile(temp, token, { mode: 0o600 });
    if ((await fs.promises.readFile(temp, 'utf8')) !== token) throw new Error(`${temp} did not read back as written`);
    await fs.promises.rename(temp, path.join(dir, HEALTH_PROBE_FILE));
  } catch (error) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Whether the store can be read and written right now (SPEC §10, `GET /healthz`). Cheap under load:
 * concurrent callers share the probe in flight, and its answer is reused for HEALTH_RESULT_TTL_MS.
 * A probe stuck past HEALTH_PROBE_TIMEOUT_MS answers "unavailable", and no new probe starts until it
 * ends, so a hung disk does not pile up probes. Changes of state are logged once, not per request.
 */
@Injectable()
export class JsonStoreHealth extends StoreHealth {
  private readonly logger = new Logger('Health');
  private answer: Promise<boolean> | undefined;
  private last: { healthy: boolean; at: number } | undefined;
  private stuck = false;
  private failing = false;

  constructor(
    private readonly store: JsonStore,
    private readonly clock: Clock,
  ) {
    super();
  }

  healthy(): Promise<boolean> {
    const age = this.last ? this.clock.now().getTime() - this.last.at : Infinity;
    if (this.last && age >= 0 && age < HEALTH_RESULT_TTL_MS) return Promise.resolve(this.last.healthy);
    this.answer ??= this.check().finally(() => (this.answer = undefined));
    return this.answer;
  }

  private async check(): Promise<boolean> {
    const problem = await this.problem();
    this.last = { healthy: problem === undefined, at: this.clock.now().getTime() };
    if (problem !== undefined && !this.failing) this.logger.error(`The store is unavailable: ${problem}`);
    if (problem === undefined && this.failing) this.logger.log('The store is available again');
    this.failing = problem !== undefined;
    return problem === undefined;
  }

  /** Why the store cannot be used, or undefined when a probe passed in time. */
  private async problem(): Promise<string | undefined> {
    if (this.stuck) return `the previous probe has not finished after ${HEALTH_PROBE_TIMEOUT_MS} ms`;
    const probe = probeDataDir(this.store.dataDir).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), HEALTH_PROBE_TIMEOUT_MS);
    });
    const result = await Promise.race([probe, timeout]);
    clearTimeout(timer);
    if (result !== TIMED_OUT) return result;
    this.stuck = true;
    void probe.finally(() => (this.stuck = false));
    return `no answer within ${HEALTH_PROBE_TIMEOUT_MS} ms`;
  }
}
