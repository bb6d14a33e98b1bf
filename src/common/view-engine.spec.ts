import * as fs from 'node:fs';
import * as path from 'node:path';
import { VIEWS_DIR } from './view-engine';

function templates(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? templates(path.join(dir, entry.name))
        : entry.name.endsWith('.hbs')
          ? [path.join(dir, entry.name)]
          : [],
    );
}

describe('views', () => {
  // Handlebars re-indents every line of a partial called alone on an indented line, on every render
  // (about half of a partial's cost, issue 14): such calls start at column 0.
  it('call no partial alone on an indented line', () => {
    const indented = templates(VIEWS_DIR).flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${path.relative(VIEWS_DIR, file)}:${i + 1}`, line }))
        .filter(({ line }) => /^\s+\{\{>[^}]*\}\}\s*$/.test(line))
        .map(({ where }) => where),
    );
    expect(indented).toEqual([]);
  });
});
