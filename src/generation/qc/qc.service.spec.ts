import { createHash } from 'node:crypto';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { ManifestFileEntry } from '../artifacts/manifest';
import { countWords, QcArtifact, QcService } from './qc.service';

const words = (n: number, word = 'word') => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');

function filesOf(contents: Record<string, string>): { files: ManifestFileEntry[]; artifacts: QcArtifact[] } {
  const files: ManifestFileEntry[] = [];
  const artifacts: QcArtifact[] = [];
  for (const [name, text] of Object.entries(contents)) {
    const buffer = Buffer.from(text, 'utf8');
    files.push({
      path: `artifacts/${name}`,
      bytes: buffer.length,
      sha256: createHash('sha256').update(buffer).digest('hex'),
    });
    artifacts.push({ path: `artifacts/${name}`, content: buffer });
  }
  return { files, artifacts };
}

describe('QcService', () => {
  const clock = new ManualClock(new Date('2026-05-01T10:00:00Z'));
  const config = { qcMinWords: 5, qcMaxWords: 50, qcBannedTerms: ['lorem ipsum', 'TODO', 'c++'] } as AppConfig;
  const qc = new QcService(config, clock);

  const run = (contents: Record<string, string>) => {
    const { files, artifacts } = filesOf(contents);
    return qc.run(files, artifacts);
  };
  const check = (report: ReturnType<typeof run>, name: string) => report.checks.find((c) => c.name === name)!;

  it('passes distinct drafts within bounds, listing every check in order, with the time it ran', () => {
    const report = run({ '01-a.md': words(10, 'alpha'), '02-b.md': words(12, 'beta') });
    expect(report.passed).toBe(true);
    expect(report.checked_at).toBe('2026-05-01T10:00:00.000Z');
    expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
      ['non-empty', true],
      ['word-count', true],
      ['no-duplicates', true],
      ['banned-terms', true],
      ['file-hashes', true],
    ]);
  });

  it('non-empty fails for a blank draft and for a job with no drafts', () => {
    const report = run({ '01-a.md': words(10), '02-b.md': '  \n\t ' });
    expect(check(report, 'non-empty')).toEqual({ name: 'non-empty', passed: false, detail: 'Empty: 02-b.md.' });
    expect(report.passed).toBe(false);
    expect(check(qc.run([], []), 'non-empty')).toEqual({
      name: 'non-empty',
      passed: false,
      detail: 'The job has no drafts.',
    });
  });

  it('word-count enforces the configured bounds on each draft', () => {
    const report = run({ '01-short.md': words(4), '02-ok.md': words(5, 'ok'), '03-long.md': words(51, 'long') });
    const wc = check(report, 'word-count');
    expect(wc.passed).toBe(false);
    expect(wc.detail).toBe('Outside 5–50 words: 01-short.md has 4 words; 03-long.md has 51 words.');
    expect(check(run({ '01.md': words(5), '02.md': words(50, 'x') }), 'word-count').passed).toBe(true);
  });

  it('counts words, not markdown symbols', () => {
    expect(countWords('# Title here\n\n- one\n- two\n\n---\n')).toBe(4);
  });

  it('no-duplicates catches exact copies', () => {
    const text = words(10);
    const dup = check(run({ '01.md': text, '02.md': words(10, 'other'), '03.md': text }), 'no-duplicates');
    expect(dup).toEqual({ name: 'no-duplicates', passed: false, detail: '01.md and 03.md are identical.' });
  });

  it('no-duplicates catches copies that differ only in whitespace and case', () => {
    const dup = check(
      run({ '01.md': 'Hello   World\nthis is it', '02.md': ' hello world this IS it\n' }),
      'no-duplicates',
    );
    expect(dup.passed).toBe(false);
    expect(dup.detail).toBe('01.md and 02.md are identical apart from whitespace and case.');
  });

  it('banned-terms matches case-insensitively on word boundaries and names the draft and term', () => {
    const report = run({
      '01.md': `${words(6)} Lorem   Ipsum dolor`,
      '02.md': `${words(6, 'b')} we use mastodon and todos`,
      '03.md': `${words(6, 'c')} a todo: remember C++ too`,
    });
    const banned = check(report, 'banned-terms');
    expect(banned.passed).toBe(false);
    expect(banned.detail).toBe('01.md contains "lorem ipsum"; 03.md contains "TODO", "c++".');
  });

  it('file-hashes fails for a changed, resized or missing file', () => {
    const { files, artifacts } = filesOf({ '01.md': words(10), '02.md': words(10, 'b'), '03.md': words(10, 'c') });
    const tampered: QcArtifact[] = [
      { path: artifacts[0].path, content: Buffer.from(words(10).replace('word0', 'WORD0')) },
      artifacts[1],
      { path: artifacts[2].path, content: null },
    ];
    const hashes = check(qc.run(files, tampered), 'file-hashes');
    expect(hashes).toEqual({
      name: 'file-hashes',
      passed: false,
      detail: 'artifacts/01.md does not match its sha256; artifacts/03.md is missing.',
    });
  });
});
