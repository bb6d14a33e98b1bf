import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'gatehouse:public';

/** Opens a route to anonymous visitors; every other route needs a logged-in user (default deny). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
