import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { FORM_VIEW_KEY, FormViewOptions } from '../decorators/form-view.decorator';

/**
 * Interceptors run before pipes, so this records the handler's form page on the request for the
 * exception filter, which may need it when validation (a pipe) or a service refuses the input.
 */
@Injectable()
export class FormViewInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<FormViewOptions | undefined>(FORM_VIEW_KEY, context.getHandler());
    if (options) context.switchToHttp().getRequest<{ formView?: FormViewOptions }>().formView = options;
    return next.handle();
  }
}
