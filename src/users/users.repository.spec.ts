import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../persistence/json/json-store.service';
import { JsonUsersRepository, USERS_FILE } from './persistence/json/json-users.repository';
import { MemoryUsersRepository } from './persistence/memory/memory-users.repository';
import { describeUsersRepositoryContract, newUserData } from './users.repository.contract';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-users-'));
}

async function jsonRepository(dir = tempDir()) {
  const repo = new JsonUsersRepository(new JsonStore({ dataDir: dir } as AppConfig));
  await repo.onModuleInit();
  return { repo, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describeUsersRepositoryContract('json', jsonRepository);
describeUsersRepositoryContract('memory', async () => ({ repo: new MemoryUsersRepository() }));

describe('JsonUsersRepository: the prototype file format', () => {
  it('reads prototype rows (no id, odd role) and keeps unknown keys through a rewrite', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, USERS_FILE),
      JSON.stringify({
        users: [
          { username: 'Old', password_hash: 'pbkdf2:sha256:1$x$y', role: 'admin', favourite: 'tea' },
          { username: 'odd', password_hash: 'h', role: 'superuser' },
        ],
        comment: 'kept',
      }),
      { mode: 0o600 },
    );
    const { repo, cleanup } = await jsonRepository(dir);
    await expect(repo.findByUsername('old')).resolves.toMatchObject({ id: 'legacy:old', role: 'admin' });
    await expect(repo.findById('legacy:odd')).resolves.toMatchObject({ role: 'user', sessionVersion: 0 });
    await repo.createUser(newUserData({ username: 'new' }));
    await repo.touchLastLogin('legacy:old', '2026-01-02T00:00:00.000Z');
    const file = JSON.parse(fs.readFileSync(path.join(dir, USERS_FILE), 'utf8'));
    expect(file.comment).toBe('kept');
    expect(file.users[0]).toMatchObject({
      username: 'Old',
      favourite: 'tea',
      last_login_at: '2026-01-02T00:00:00.000Z',
    });
    expect(file.users[0].id).toBeUndefined();
    expect(file.users[2]).toMatchObject({ username: 'new', session_version: 0, invite_code: null });
    cleanup();
  });
});
