import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const DIST_MAIN = path.join(ROOT, 'dist', 'main.js');

/** Process-level tests run the compiled app; `npm test` builds first. */
export function requireBuild(): void {
  if (!fs.existsSync(DIST_MAIN)) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
}
