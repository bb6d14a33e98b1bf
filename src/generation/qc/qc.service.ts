import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { fileSha256 } from '../artifacts/file-hash';
import { ManifestFileEntry, QcCheck, QcReport } from '../artifacts/manifest';

export interface QcArtifact {
  path: string;
  /** null when the file is missing. */
  content: Buffer | null;
}

/**
 * Quality checks over a job's artifacts (SPEC §8). Pure: the caller reads the files. A failed
 * check is a warning on the job, never a job failure.
 */
@Injectable()
export class QcService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  run(files: ManifestFileEntry[], artifacts: QcArtifact[]): QcReport {
    const drafts = artifacts.map((a) => ({ name: label(a.path), text: a.content?.toString('utf8') ?? '' }));
    const checks: QcCheck[] = [
      this.nonEmpty(drafts),
      this.wordCount(drafts),
      this.noDuplicates(drafts),
      this.bannedTerms(drafts),
      this.fileHashes(files, artifacts),
    ];
    return { passed: checks.every((c) => c.passed), checked_at: this.clock.now().toISOString(), checks };
  }

  private nonEmpty(drafts: Draft[]): QcCheck {
    if (drafts.length === 0) return { name: 'non-empty', passed: false, detail: 'The job has no drafts.' };
    const empty = drafts.filter((d) => d.text.trim() === '').map((d) => d.name);
    return empty.length === 0
      ? { name: 'non-empty', passed: true, detail: `All ${drafts.length} drafts have content.` }
      : { name: 'non-empty', passed: false, detail: `Empty: ${empty.join(', ')}.` };
  }

  private wordCount(drafts: Draft[]): QcCheck {
    const { qcMinWords: min, qcMaxWords: max } = this.config;
    const problems = drafts
      .map((d) => ({ name: d.name, words: countWords(d.text) }))
      .filter((d) => d.words < min || d.words > max)
      .map((d) => `${d.name} has ${d.words} word${d.words === 1 ? '' : 's'}`);
    return {
      name: 'word-count',
      passed: problems.length === 0,
      detail:
        problems.length === 0
          ? `Every draft has ${min}–${max} words.`
          : `Outside ${min}–${max} words: ${problems.join('; ')}.`,
    };
  }

  private noDuplicates(drafts: Draft[]): QcCheck {
    const problems: string[] = [];
    for (let i = 0; i < drafts.length; i++) {
      for (let j = i + 1; j < drafts.length; j++) {
        if (drafts[i].text === drafts[j].text) {
          problems.push(`${drafts[i].name} and ${drafts[j].name} are identical`);
        } else if (normalise(drafts[i].text) === normalise(drafts[j].text)) {
          problems.push(`${drafts[i].name} and ${drafts[j].name} are identical apart from whitespace and case`);
        }
      }
    }
    return {
      name: 'no-duplicates',
      passed: problems.length === 0,
      detail: problems.length === 0 ? 'No two drafts are the same.' : `${problems.join('; ')}.`,
    };
  }

  private bannedTerms(drafts: Draft[]): QcCheck {
    const terms = this.config.qcBannedTerms;
    const problems: string[] = [];
    for (const draft of drafts) {
      const found = terms.filter((term) => termPattern(term).test(draft.text));
      if (found.length > 0) problems.push(`${draft.name} contains ${found.map((t) => `"${t}"`).join(', ')}`);
    }
    return {
      name: 'banned-terms',
      passed: problems.length === 0,
      detail:
        problems.length === 0
          ? terms.length === 0
            ? 'No banned terms are configured.'
            : `None of ${terms.length} banned terms found.`
          : `${problems.join('; ')}.`,
    };
  }

  private fileHashes(files: ManifestFileEntry[], artifacts: QcArtifact[]): QcCheck {
    const byPath = new Map(artifacts.map((a) => [a.path, a.content]));
    const problems: string[] = [];
    for (const file of files) {
      const content = byPath.get(file.path);
      if (!content) problems.push(`${file.path} is missing`);
      else if (content.length !== file.bytes || fileSha256(content) !== file.sha256) {
        problems.push(`${file.path} does not match its sha256`);
      }
    }
    return {
      name: 'file-hashes',
      passed: problems.length === 0,
      detail: problems.length === 0 ? `All ${files.length} files match their hashes.` : `${problems.join('; ')}.`,
    };
  }
}

interface Draft {
  name: string;
  text: string;
}

/** Words are runs of non-space characters containing a letter or digit (markdown symbols do not count). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Case-insensitive, on word boundaries where the term starts/ends with a word character ("todo" ≠ "mastodon"). */
function termPattern(term: string): RegExp {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  const start = /^[\p{L}\p{N}_]/u.test(term) ? '(?<![\\p{L}\\p{N}_])' : '';
  const end = /[\p{L}\p{N}_]$/u.test(term) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${start}${escaped}${end}`, 'iu');
}

function label(path: string): string {
  return path.replace(/^artifacts\//, '');
}
