import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorPageViewer } from '../../common/filters/error-page-viewer';
import { AuthService } from '../auth.service';
import { attachAuthContext } from './attach-auth-context';

/** The authentication point, asked on behalf of a 404 page that no route (and so no guard) produced. */
@Injectable()
export class AuthErrorPageViewer extends ErrorPageViewer {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async attach(req: Request, res: Response): Promise<void> {
    attachAuthContext(req, res, await this.auth.authenticate(req));
  }
}
