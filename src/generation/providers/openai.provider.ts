import { Injectable } from '@nestjs/common';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { AppConfig } from '../../config/app-config';
import { emptyUsage, JobUsage } from '../jobs/job';
import { angleFor } from './angles';
import {
  Draft,
  GenerationBrief,
  GenerationFailedError,
  GenerationProvider,
  GenerationResult,
} from './generation-provider';

const SYSTEM_PROMPT =
  'You write one markdown draft for a brief. Start with a "# " title line, use "## " sections, ' +
  'and end with a short closing line. Answer with the draft only.';

/**
 * The official OpenAI SDK against OPENAI_BASE_URL (OpenAI or any compatible server). One chat
 * completion per draft, each with its own angle; token usage comes from each answer's `usage`.
 */
@Injectable()
export class OpenAiProvider extends GenerationProvider {
  readonly name = 'openai';
  readonly model: string;
  private readonly client: OpenAI;

  constructor(private readonly config: AppConfig) {
    super();
    this.model = config.openaiModel;
    this.client = new OpenAI({
      // A compatible server may need no key; the SDK insists on one, so send a placeholder.
      apiKey: config.openaiApiKey ?? 'no-key',
      baseURL: config.openaiBaseUrl ?? 'https://api.openai.com/v1',
      timeout: config.openaiTimeoutMs,
      maxRetries: config.openaiMaxRetries,
      logLevel: 'off',
    });
  }

  async generate(brief: GenerationBrief): Promise<GenerationResult> {
    const drafts: Draft[] = [];
    const usage: JobUsage = emptyUsage();
    for (let i = 0; i < brief.count; i++) {
      const angle = angleFor(i);
      const startedAt = Date.now();
      try {
        const completion = await this.client.chat.completions.create({
          model: this.model,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            {
              role: 'user',
              content: `Brief:\n${brief.prompt}\n\nThis is draft ${i + 1} of ${brief.count}. Angle: ${angle.lens}.`,
            },
          ],
        });
        usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
        usage.completionTokens += completion.usage?.completion_tokens ?? 0;
        const markdown = completion.choices[0]?.message?.content ?? '';
        drafts.push({ title: titleOf(markdown, `Draft ${i + 1}: ${angle.title}`), markdown: ensureNewline(markdown) });
        usage.drafts = drafts.length;
      } catch (error) {
        const reason = describe(error, this.config.openaiTimeoutMs, Date.now() - startedAt);
        throw new GenerationFailedError(
          scrubSecrets(`${reason} (draft ${i + 1} of ${brief.count})`, [this.config.openaiApiKey]),
          { ...usage },
        );
      }
    }
    return { drafts, usage };
  }
}

function describe(error: unknown, timeoutMs: number, elapsedMs: number): string {
  // The SDK reports a timeout as APIConnectionTimeoutError; where the abort error crosses a realm
  // (e.g. under jest) it degrades to a plain connection error, so the elapsed time decides too.
  if (
    error instanceof APIConnectionTimeoutError ||
    (error instanceof APIConnectionError && !(error instanceof APIUserAbortError) && elapsedMs >= timeoutMs)
  ) {
    return `The OpenAI provider did not answer within ${timeoutMs} ms (timeout)`;
  }
  if (error instanceof APIConnectionError) {
    return `Could not reach the OpenAI provider: ${error.message}`;
  }
  if (error instanceof APIError) {
    const body = error.error as { message?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? body.message : error.message;
    return `The OpenAI provider answered with an error${error.status ? ` (HTTP ${error.status})` : ''}: ${detail}`;
  }
  return `The OpenAI provider failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** Removes the configured key and anything shaped like a key or bearer token; caps the length. */
export function scrubSecrets(message: string, secrets: Array<string | undefined>): string {
  let out = message;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(/\bsk-[A-Za-z0-9_*-]{4,}/g, 'sk-[redacted]').replace(/(Bearer\s+)[^\s"']+/gi, '$1[redacted]');
  return out.length > 500 ? `${out.slice(0, 497)}...` : out;
}

function titleOf(markdown: string, fallback: string): string {
  const heading = /^\s*#{1,3}\s+(.+?)\s*#*\s*$/m.exec(markdown);
  return heading ? heading[1] : fallback;
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}
