import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import * as QRCode from 'qrcode';
import { FormLocalsProvider } from '../../common/decorators/form-view.decorator';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { TwoFactorService } from './two-factor.service';

/**
 * Locals for views/account/two-factor.hbs: the status, and while a setup is unfinished its QR code (an
 * SVG in a data: URI, which the CSP's img-src allows; no script) and the secret as grouped base32 text.
 * Once enrolled the secret is never shown again. Also used when a form on the page is refused.
 */
@Injectable()
export class TwoFactorPageLocals implements FormLocalsProvider {
  constructor(private readonly twoFactor: TwoFactorService) {}

  async load(req: Request): Promise<Record<string, unknown>> {
    const user = req.user;
    if (!user) throw new UnauthenticatedError();
    const status = await this.twoFactor.status(user.id);
    const setup = status.enabled ? undefined : await this.twoFactor.pendingSetup(user);
    return {
      pageTitle: 'Two-factor login',
      status,
      setup: setup && {
        qrDataUri: await qrDataUri(setup.uri),
        secretGroups: setup.secret.match(/.{1,4}/g)?.join(' ') ?? setup.secret,
      },
      turnedOff: req.query?.off === '1',
    };
  }
}

async function qrDataUri(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
