import { fileSha256 } from '../artifacts/file-hash';
import { ManifestFileEntry } from '../artifacts/manifest';
import { countWords } from '../qc/qc.service';

/** Lines of a draft shown on the result page. */
export const PREVIEW_LINES = 3;
const PREVIEW_CHARS = 300;
/** Figures kept per process: a few hundred bytes each. */
const MAX_KEPT = 5000;

/** What a result page shows of a draft's text. */
export interface TextFigures {
  title: string | undefined;
  words: number;
  preview: string;
}

/** The figures of a text (no content: no title, no words). */
export function textFigures(content: Buffer | null): TextFigures {
  const text = content?.toString('utf8') ?? '';
  return { title: titleOf(text), words: countWords(text), preview: previewOf(text) };
}

/**
 * Draft figures by the SHA-256 the manifest gives the draft: the figures are a function of the bytes,
 * and the manifest pins the bytes, so a result page needs no draft read once a draft has been seen
 * (files mode: three stats fewer per page; postgres: no artifact query). Figures are kept only when
 * the bytes read match the manifest's hash: a draft changed or damaged on disk is read every time.
 */
export class DraftFiguresCache {
  private readonly kept = new Map<string, TextFigures>();
  /**
   * Figures and hash of bytes already worked out: the files store hands out the same Buffer while a file
   * is unchanged, so a draft's own page does not hash and count it again on every view.
   */
  private readonly ofBytes = new WeakMap<Buffer, { figures: TextFigures; sha256: string }>();

  /** The figures of the manifest entry's bytes, if they have been seen. */
  get(entry: ManifestFileEntry): TextFigures | undefined {
    return this.kept.get(entry.sha256);
  }

  /** Works out the figures of bytes read for the entry, keeping them when the bytes are the manifest's. */
  figuresOf(entry: ManifestFileEntry, content: Buffer | null): TextFigures {
    if (!content) return textFigures(null);
    let known = this.ofBytes.get(content);
    if (!known) {
      known = { figures: textFigures(content), sha256: fileSha256(content) };
      this.ofBytes.set(content, known);
    }
    if (known.sha256 === entry.sha256 && !this.kept.has(entry.sha256)) {
      if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(entry.sha256, known.figures);
    }
    return known.figures;
  }
}

/** The first heading, without its `#`s. */
function titleOf(markdown: string): string | undefined {
  const match = /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(markdown);
  return match?.[1];
}

/** The first non-heading lines of text, as plain text (shown escaped, never rendered). */
function previewOf(markdown: string): string {
  const lines = markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^#{1,6}\s/.test(line))
    .slice(0, PREVIEW_LINES)
    .join(' ');
  return lines.length > PREVIEW_CHARS ? `${lines.slice(0, PREVIEW_CHARS - 1)}…` : lines;
}
