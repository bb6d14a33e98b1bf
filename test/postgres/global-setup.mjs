// jest globalSetup of the `postgres` project: one PostgreSQL for the whole run. Jest runs it only when
// a test of that project is selected. Tests read the admin URL from GATEHOUSE_TEST_PG_URL (jest
// hands globalSetup's process.env to the test processes) and make their own databases with
// createTestDatabase() from test/helpers/postgres.ts.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-server.mjs');

export default async function globalSetup() {
  if (process.env.TEST_DATABASE_URL) {
    process.env.GATEHOUSE_TEST_PG_URL = process.env.TEST_DATABASE_URL;
    console.log('\nPostgreSQL tests use TEST_DATABASE_URL (no embedded server started)');
    return;
  }
  const began = Date.now();
  const child = spawn(process.execPath, [SERVER_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded PostgreSQL did not start within 60 s')), 60000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const event = JSON.parse(line);
      if (event.event === 'ready') resolve(event);
      else reject(new Error(`embedded PostgreSQL failed: ${event.message}\n${(event.log ?? []).join('\n')}`));
    });
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}) before it was ready`)));
  });
  globalThis.__GATEHOUSE_PG__ = { child, lines };
  process.env.GATEHOUSE_TEST_PG_URL = ready.url;
  console.log(
    `\nEmbedded PostgreSQL on 127.0.0.1:${ready.port}: ready in ${Date.now() - began} ms ` +
      `(initdb ${ready.initMs} ms, start ${ready.startMs} ms)`,
  );
}
