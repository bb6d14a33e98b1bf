import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { FormViewOptions } from '../decorators/form-view.decorator';
import { DomainError, FieldErrors } from '../errors/domain-error';
import { FormError } from '../errors/form-error';
import { UnauthenticatedError } from '../errors/unauthenticated.error';
import { isApiRequest, safeFormValues } from '../http/request-info';
import {
  isStoreUnavailable,
  STORE_UNAVAILABLE_MESSAGE,
  STORE_UNAVAILABLE_RETRY_AFTER,
} from '../../persistence/store-unavailable';
import { sendError } from './error-page';

type FormRequest = Request & { formView?: FormViewOptions };

/** Decides presentation for every error: form re-render, login redirect, error page, or JSON. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly moduleRef: ModuleRef) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<FormRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;

    if (exception instanceof UnauthenticatedError) {
      if (isApiRequest(req)) {
        res.status(401).json({ error: 'Authentication required' });
      } else {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      }
      return;
    }

    const refusal = refusalOf(exception);
    if (refusal) {
      for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
      if (req.formView && !isApiRequest(req) && !refusal.formless) {
        await this.renderForm(req, res, refusal, req.formView);
        return;
      }
      sendError(req, res, refusal.status, refusal.message, refusal.details);
      return;
    }

    if (exception instanceof HttpException) {
      sendError(req, res, exception.getStatus(), messageOf(exception));
      return;
    }

    if (isStoreUnavailable(exception)) {
      sendStoreUnavailable(req, res, exception, this.logger);
      return;
    }

    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    sendError(req, res, 500, 'Something went wrong on our side. Please try again.');
  }

  private async renderForm(req: FormRequest, res: Response, refusal: Refusal, form: FormViewOptions): Promise<void> {
    try {
      const extra = form.locals ? await this.moduleRef.get(form.locals, { strict: false }).load(req) : {};
      res.status(refusal.status).render(form.view, {
        ...extra,
        form: { message: refusal.message, errors: refusal.fields, values: safeFormValues(req.body) },
      });
    } catch (renderError) {
      this.logger.error(renderError instanceof Error ? renderError.message : String(renderError));
      sendError(req, res, refusal.status, refusal.message);
    }
  }
}

/** A request refused for a reason the user may see: a domain rule or a form's input. */
interface Refusal {
  status: number;
  message: string;
  fields: FieldErrors;
  headers: Record<string, string>;
  /** Extra keys of the JSON answer (e.g. a quota's limit and reset time); field errors under `fields`. */
  details: Record<string, unknown>;
  /** Never re-render the form around it (the page itself is gone). */
  formless?: boolean;
}

function refusalOf(exception: unknown): Refusal | undefined {
  if (exception instanceof DomainError) {
    const headers: Record<string, string> =
      exception.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(Math.max(1, Math.ceil(exception.retryAfterSeconds))) }
        : {};
    const details = {
      ...exception.details,
      ...(Object.keys(exception.fields).length ? { fields: exception.fields } : {}),
    };
    return {
      status: exception.status,
      message: exception.message,
      fields: exception.fields,
      headers,
      details,
      formless: exception.formless,
    };
  }
  if (exception instanceof FormError) {
    const details = Object.keys(exception.fieldErrors).length ? { fields: exception.fieldErrors } : {};
    return {
      status: exception.getStatus(),
      message: exception.formMessage,
      fields: exception.fieldErrors,
      headers: exception.headers,
      details,
    };
  }
  return undefined;
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const body = response as { message?: unknown; error?: unknown };
  if (typeof body.message === 'string') return body.message;
  if (Array.isArray(body.message)) return body.message.join('; ');
  if (typeof body.error === 'string') return body.error;
  return exception.message;
}

/**
 * The store (the database) cannot be reached: 503 with Retry-After, a page or JSON saying so, and one
 * warning line (no stack: it is an outage, not a bug; the message never holds credentials).
 */
export function sendStoreUnavailable(req: Request, res: Response, error: unknown, logger: Logger): void {
  const reason = error instanceof Error ? error.message : String(error);
  logger.warn(`${req.method} ${req.path}: the store is unavailable (${reason.replace(/\s+/g, ' ').slice(0, 200)})`);
  res.setHeader('Retry-After', String(STORE_UNAVAILABLE_RETRY_AFTER));
  sendError(req, res, 503, STORE_UNAVAILABLE_MESSAGE);
}
