// `npm run stress`: the bigger, slower versions of the concurrency tests, for local use.
//  1. ack-then-read with 10,000 acknowledged writes under two CPU hogs (0 misses expected);
//  2. the registration-storm reliability file N times in a row (default 20) under two CPU hogs.
// usage: npm run stress [-- <writes=10000> <stormRuns=20>]
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const writes = process.argv[2] ?? '10000';
const stormRuns = Number(process.argv[3] ?? 20);

const ack = spawnSync(process.execPath, [path.join(__dirname, 'ack-then-read.js'), writes, '2', '8'], {
  stdio: 'inherit',
});
if (ack.status !== 0) process.exit(1);

const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
let failed = 0;
try {
  for (let run = 1; run <= stormRuns; run++) {
    const jest = spawnSync(
      process.execPath,
      [
        require.resolve('jest/bin/jest'),
        '--config',
        'jest.config.js',
        '--selectProjects',
        'reliability',
        '--runTestsByPath',
        'test/reliability/registration-storms.spec.ts',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    const ok = jest.status === 0;
    if (!ok) failed++;
    console.log(`registration storms under two CPU hogs, run ${run}/${stormRuns}: ${ok ? 'passed' : 'FAILED'}`);
    if (!ok)
      console.log(
        jest.stderr
          .split('\n')
          .filter((l) => /✕|Expected|Received/.test(l))
          .join('\n'),
      );
  }
} finally {
  hogs.forEach((hog) => hog.kill('SIGKILL'));
}
console.log(JSON.stringify({ stormRuns, failed }));
process.exit(failed === 0 ? 0 : 1);
