import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../../config/app-config';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { CACHED_ARTIFACT_MAX_BYTES, JsonArtifactStore } from './json-artifact.store';

/**
 * The in-memory copy of small drafts (issue 14) is only a copy: whatever changes the file on disk —
 * this process, another process, an operator's editor — shows on the very next read.
 */
describe('JsonArtifactStore draft cache', () => {
  let dataDir: string;
  let store: JsonArtifactStore;
  const jobId = randomUUID();
  const rel = 'artifacts/01-draft.md';
  const fileOf = () => path.join(dataDir, 'jobs', jobId, rel);
  const read = async () => (await store.readArtifacts(jobId, [rel]))[0].content;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-artifacts-'));
    store = new JsonArtifactStore(new JsonStore({ dataDir } as AppConfig));
    await store.writeArtifacts(jobId, [{ name: '01-draft.md', content: '# One\n\nfirst version\n' }]);
  });

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('hands out the same bytes while the file is unchanged', async () => {
    const first = await read();
    expect(first?.toString()).toBe('# One\n\nfirst version\n');
    expect(await read()).toBe(first);
  });

  it('sees a rewrite by another process (temp file + rename) on the next read', async () => {
    await read();
    const temp = `${fileOf()}.tmp`;
    fs.writeFileSync(temp, '# One\n\nother version\n'); // same size as before
    fs.renameSync(temp, fileOf());
    expect((await read())?.toString()).toBe('# One\n\nother version\n');
  });

  it('sees an edit in place of the same size (an operator with an editor)', async () => {
    await read();
    // Kernel timestamps tick coarsely: an in-place edit within one tick of the read could look
    // unchanged. The app itself never edits in place (every write is a new file and inode).
    await new Promise((resolve) => setTimeout(resolve, 25));
    fs.writeFileSync(fileOf(), '# One\n\nfirst versioN\n');
    expect((await read())?.toString()).toBe('# One\n\nfirst versioN\n');
  });

  it('sees a removal, and a rewrite of the whole job through the store', async () => {
    await read();
    await store.deleteArtifacts(jobId);
    expect(await read()).toBeNull();
    await store.writeArtifacts(jobId, [{ name: '01-draft.md', content: '# Two\n' }]);
    expect((await read())?.toString()).toBe('# Two\n');
  });

  it('does not keep large drafts: each read of one is a new read', async () => {
    const big = 'word '.repeat(CACHED_ARTIFACT_MAX_BYTES / 4);
    await store.writeArtifacts(jobId, [{ name: '01-draft.md', content: big }]);
    const first = await read();
    expect(first?.length).toBe(Buffer.byteLength(big));
    expect(await read()).not.toBe(first);
  });
});
