import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';

export const VIEWS_DIR = path.join(__dirname, '..', '..', 'views');

let registered = false;

/** Handlebars with a base layout, partials from views/partials and a few formatting helpers. */
export function configureViews(app: NestExpressApplication): void {
  registerOnce();
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('hbs');
  app.set('view options', { layout: 'layouts/main' });
  if (process.env.NODE_ENV === 'production') app.set('view cache', true);
}

/**
 * A partial of views/partials as a function of its context, for HTML a provider renders once and a page
 * then inserts (triple-stash) many times. The helpers and the other partials are those of the pages.
 */
export function partialTemplate(name: string): (context: object) => string {
  registerOnce();
  const source = hbs.handlebars.partials[name] as unknown;
  if (typeof source !== 'string') throw new Error(`No partial named ${name} in views/partials.`);
  return hbs.handlebars.compile(source);
}

function registerOnce(): void {
  if (registered) return;
  registered = true;
  const partialsDir = path.join(VIEWS_DIR, 'partials');
  // Read synchronously at boot: hbs.registerPartials is async and a first request could miss them.
  for (const file of fs.readdirSync(partialsDir)) {
    if (file.endsWith('.hbs')) {
      hbs.registerPartial(path.basename(file, '.hbs'), fs.readFileSync(path.join(partialsDir, file), 'utf8'));
    }
  }
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));
  hbs.registerHelper('date', (value: unknown) => formatDate(value));
  hbs.registerHelper('bytes', (value: unknown) => formatBytes(Number(value)));
  hbs.registerHelper(
    'fieldError',
    (errors: Record<string, string[]> | undefined, field: string) => errors?.[field]?.join(' ') ?? '',
  );
  hbs.registerHelper('value', (values: Record<string, unknown> | undefined, field: string, fallback?: unknown) => {
    const v = values?.[field];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    return typeof fallback === 'string' || typeof fallback === 'number' ? String(fallback) : '';
  });
}

/** Pages show the same few timestamps over and over: each ISO string is formatted once (bounded). */
const formattedDates = new Map<string, string>();
const MAX_FORMATTED_DATES = 2000;

function formatDate(value: unknown): string {
  if (typeof value !== 'string') return formatDateValue(value);
  let formatted = formattedDates.get(value);
  if (formatted === undefined) {
    formatted = formatDateValue(value);
    if (formattedDates.size >= MAX_FORMATTED_DATES) formattedDates.clear();
    formattedDates.set(value, formatted);
  }
  return formatted;
}

function formatDateValue(value: unknown): string {
  if (!value) return '—';
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date)) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : '—';
  return date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
