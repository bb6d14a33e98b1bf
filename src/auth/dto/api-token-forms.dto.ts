import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, MaxLength } from 'class-validator';

const EXPIRES_RULE = 'Expiry must be a whole number of days.';

/** POST /account/tokens (SPEC §5.2). The ranges (name 1–64, days 1–API_TOKEN_MAX_DAYS) are ApiTokensService's. */
export class CreateApiTokenDto {
  @IsString({ message: 'Give the token a name.' })
  @MaxLength(1000)
  name: string;

  /** Empty: the default (90 days). */
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  })
  @IsOptional()
  @IsInt({ message: EXPIRES_RULE })
  expiresInDays?: number;
}
