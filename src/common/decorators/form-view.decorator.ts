import { applyDecorators, SetMetadata, Type, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { FormViewInterceptor } from '../interceptors/form-view.interceptor';

export const FORM_VIEW_KEY = 'gatehouse:form-view';

/** Supplies the extra locals a form page needs when it is re-rendered after an error. */
export interface FormLocalsProvider {
  load(req: Request): Promise<Record<string, unknown>>;
}

export interface FormViewOptions {
  view: string;
  locals?: Type<FormLocalsProvider>;
}

/**
 * The page that shows this handler's form, re-rendered with field errors when input is refused.
 * The interceptor that hands it to the exception filter runs on these handlers only: a global
 * interceptor put Nest's interceptor pipeline on every request (about 100 µs of CPU each, 16% of
 * a gated page; bench/README.md).
 */
export const FormView = (view: string, locals?: Type<FormLocalsProvider>) =>
  applyDecorators(
    SetMetadata(FORM_VIEW_KEY, { view, locals } satisfies FormViewOptions),
    UseInterceptors(FormViewInterceptor),
  );
