import type { FilesSiteReader } from './files-site.reader';

/** One line of what `import-files` copied: `users: 12`, `invites: 3 (5 use(s))`. */
export interface ImportCount {
  kind: string;
  count: number;
  detail?: string;
}

export interface ImportReport {
  counts: ImportCount[];
  /** What was deliberately left behind, and what the operator should know. */
  notes: string[];
}

/**
 * A part of the import that writes through repositories (jobs, drafts, usage, two-factor), run
 * inside the import's transaction after users, invites and the audit log. Its repositories are the
 * postgres ones, so every write joins that transaction; a throw rolls the whole import back.
 */
export interface ImportStep {
  run(source: FilesSiteReader, report: ImportReport): Promise<void>;
}

/** DI token: the ImportStep list, in order. */
export const IMPORT_STEPS = Symbol('IMPORT_STEPS');

export function reportLines(report: ImportReport): string[] {
  const width = Math.max(...report.counts.map((c) => c.kind.length));
  return report.counts.map((c) => `  ${`${c.kind}:`.padEnd(width + 1)} ${c.count}${c.detail ? ` (${c.detail})` : ''}`);
}
