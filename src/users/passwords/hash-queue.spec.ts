import { CheckDurations, HashQueue, MAX_CONCURRENT_HASHES } from './password-hasher';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('HashQueue (bounded password hashing)', () => {
  it('runs at most `max` tasks at once and starts the waiting ones in arrival order', async () => {
    const queue = new HashQueue(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);
    gates[0].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].resolve();
    gates[3].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  });

  it('frees the slot when a task fails', async () => {
    const queue = new HashQueue(1);
    const failing = queue.run(() => Promise.reject(new Error('boom')));
    const next = queue.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('leaves threads of the default pool of 4 free for file I/O', () => {
    expect(MAX_CONCURRENT_HASHES).toBeGreaterThanOrEqual(1);
    expect(MAX_CONCURRENT_HASHES).toBeLessThanOrEqual(2);
  });
});

describe('CheckDurations (equal timing for every kind of password hash)', () => {
  it('targets the slowest kind, each a running average', () => {
    const durations = new CheckDurations();
    expect(durations.targetMs()).toBe(0);
    durations.observe('bcrypt', 200);
    durations.observe('pbkdf2:sha256:260000', 100);
    expect(durations.targetMs()).toBe(200);
    durations.observe('scrypt:32768:8:1', 300);
    expect(durations.targetMs()).toBe(300);
    durations.observe('scrypt:32768:8:1', 100);
    expect(durations.targetMs()).toBeCloseTo(260);
  });
});
