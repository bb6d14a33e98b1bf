import { checkMigrationList } from './migration-runner';
import { MIGRATIONS } from './migrations';

describe('checkMigrationList', () => {
  const m = (version: number, name = `m${version}`, up = 'SELECT 1') => ({ version, name, up });

  it('accepts the shipped list and strictly increasing versions', () => {
    expect(() => checkMigrationList(MIGRATIONS)).not.toThrow();
    expect(() => checkMigrationList([m(1), m(2), m(5)])).not.toThrow();
    expect(() => checkMigrationList([])).not.toThrow();
  });

  it.each([[[m(2), m(1)]], [[m(1), m(1)]], [[m(0)]], [[m(1.5)]], [[m(1, '')]], [[m(1, 'x', '  ')]]])(
    'refuses %j',
    (list) => {
      expect(() => checkMigrationList(list)).toThrow(/Migration list/);
    },
  );
});
