import { JobUsage } from '../jobs/job';

export interface GenerationBrief {
  prompt: string;
  /** 1–10 drafts. */
  count: number;
}

export interface Draft {
  /** Human title, also the source of the artifact's file name. */
  title: string;
  markdown: string;
}

export interface GenerationResult {
  drafts: Draft[];
  usage: JobUsage;
}

/** A provider failure: a message safe to show (no keys) and what was spent before it happened. */
export class GenerationFailedError extends Error {
  constructor(
    message: string,
    readonly usage: JobUsage,
  ) {
    super(message);
    this.name = 'GenerationFailedError';
  }
}

/** The one interface every provider implements; also the DI token (bound by GenerationModule from config). */
export abstract class GenerationProvider {
  /** `offline` or `openai`: shown on the page and in the manifest. */
  abstract readonly name: string;
  abstract readonly model: string;
  abstract generate(brief: GenerationBrief): Promise<GenerationResult>;
}
