import { SetMetadata, Type } from '@nestjs/common';
import type { Request } from 'express';

export const FORM_VIEW_KEY = 'gatehouse:form-view';

/** Supplies the extra locals a form page needs when it is re-rendered after an error. */
export interface FormLocalsProvider {
  load(req: Request): Promise<Record<string, unknown>>;
}

export interface FormViewOptions {
  view: string;
  locals?: Type<FormLocalsProvider>;
}

/** The page that shows this handler's form, re-rendered with field errors when input is refused. */
export const FormView = (view: string, locals?: Type<FormLocalsProvider>) =>
  SetMetadata(FORM_VIEW_KEY, { view, locals } satisfies FormViewOptions);
