import { Injectable } from '@nestjs/common';
import { partialTemplate } from '../../common/view-engine';
import { Manifest } from '../artifacts/manifest';
import { DraftsService } from '../drafts/drafts.service';
import { Job } from '../jobs/job';
import { jobPage } from './job-views';

/** Characters of keys and sections kept per process (a few MB): sections grow with drafts and briefs. */
const MAX_KEPT_CHARS = 4_000_000;

/**
 * The job's part of its result page (drafts, facts, artifacts, checks, links: views/partials/job-result.hbs),
 * rendered once per content and reused. It is the same HTML for everyone allowed to see the job, and a
 * pure function of the job record and its manifest, which together are the cache key: any change to
 * either (a status, a QC re-run, an edit by hand) is a new key, so nothing shown can go stale. A section
 * whose drafts are not all pinned by their manifest hash (a draft changed or damaged on disk) is rendered
 * on every page, as the drafts are read on every page. Who may see the job is checked before, per
 * request; the per-session parts (CSRF fields, the account bar) stay in the page around it.
 */
@Injectable()
export class JobResultSection {
  private readonly template = partialTemplate('job-result');
  private readonly kept = new Map<string, string>();
  private keptChars = 0;
  /** A frozen manifest cannot change (the files store hands out deep-frozen ones): its JSON is worked out once. */
  private readonly manifestJson = new WeakMap<Manifest, string>();

  constructor(private readonly drafts: DraftsService) {}

  async html(job: Job, manifest: Manifest | undefined): Promise<string> {
    const key = `${JSON.stringify(job)}\n${this.jsonOf(manifest)}`;
    const kept = this.kept.get(key);
    if (kept !== undefined) return kept;
    const drafts = await this.drafts.summaries(job, manifest);
    const html = this.template({ ...jobPage(job, manifest), drafts });
    if (this.drafts.knowsAll(manifest)) this.keep(key, html);
    return html;
  }

  private jsonOf(manifest: Manifest | undefined): string {
    if (!manifest || !Object.isFrozen(manifest)) return JSON.stringify(manifest ?? null);
    let json = this.manifestJson.get(manifest);
    if (json === undefined) {
      json = JSON.stringify(manifest);
      this.manifestJson.set(manifest, json);
    }
    return json;
  }

  private keep(key: string, html: string): void {
    if (this.kept.has(key)) return; // two pages rendered it at once
    this.kept.set(key, html);
    this.keptChars += key.length + html.length;
    for (const [oldKey, oldHtml] of this.kept) {
      if (this.keptChars <= MAX_KEPT_CHARS) break;
      this.kept.delete(oldKey);
      this.keptChars -= oldKey.length + oldHtml.length;
    }
  }
}
