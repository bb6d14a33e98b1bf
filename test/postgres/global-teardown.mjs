// jest globalTeardown of the `postgres` project: stops the embedded server; it removes its folder.
export default async function globalTeardown() {
  const server = globalThis.__GATEHOUSE_PG__;
  if (!server) return;
  globalThis.__GATEHOUSE_PG__ = undefined;
  const { child, lines } = server;
  const began = Date.now();
  let stopMs;
  lines.on('line', (line) => {
    const event = JSON.parse(line);
    if (event.event === 'exited') stopMs = event.stopMs;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end('exit\n');
  const timer = setTimeout(() => child.kill('SIGTERM'), 20000);
  await exited;
  clearTimeout(timer);
  console.log(`Embedded PostgreSQL stopped in ${stopMs ?? '?'} ms (${Date.now() - began} ms with its process)`);
}
