import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Request, Response } from 'express';
import { FormViewOptions } from '../decorators/form-view.decorator';
import { FormError } from '../errors/form-error';
import { UnauthenticatedError } from '../errors/unauthenticated.error';
import { isApiRequest, safeFormValues } from '../http/request-info';
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

    if (exception instanceof FormError) {
      for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
      if (req.formView && !isApiRequest(req)) {
        await this.renderForm(req, res, exception, req.formView);
        return;
      }
      sendError(req, res, exception.getStatus(), exception.formMessage);
      return;
    }

    if (exception instanceof HttpException) {
      sendError(req, res, exception.getStatus(), messageOf(exception));
      return;
    }

    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    sendError(req, res, 500, 'Something went wrong on our side. Please try again.');
  }

  private async renderForm(req: FormRequest, res: Response, error: FormError, form: FormViewOptions): Promise<void> {
    try {
      const extra = form.locals ? await this.moduleRef.get(form.locals, { strict: false }).load(req) : {};
      res.status(error.getStatus()).render(form.view, {
        ...extra,
        form: { message: error.formMessage, errors: error.fieldErrors, values: safeFormValues(req.body) },
      });
    } catch (renderError) {
      this.logger.error(renderError instanceof Error ? renderError.message : String(renderError));
      sendError(req, res, error.getStatus(), error.formMessage);
    }
  }
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
