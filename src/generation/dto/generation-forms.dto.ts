import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export const PROMPT_MAX = 4000;
export const COUNT_MAX = 10;
const COUNT_RULE = `Choose between 1 and ${COUNT_MAX} drafts.`;

/** Form strings that are whole numbers become numbers; anything else stays as typed and fails @IsInt. */
function toInteger({ value }: { value: unknown }): unknown {
  if (typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value)) return Number(value);
  return value;
}

/** POST /generate: `prompt` 1–4000 characters, `count` an integer 1–10 (1 when the field is absent). */
export class GenerateDto {
  @ApiProperty({ minLength: 1, maxLength: PROMPT_MAX, description: 'The brief (not only whitespace)' })
  @IsString({ message: 'Write a brief.' })
  @MinLength(1, { message: 'Write a brief.' })
  @MaxLength(PROMPT_MAX, { message: `The brief can be at most ${PROMPT_MAX} characters.` })
  @Matches(/\S/, { message: 'Write a brief.' })
  prompt: string;

  @ApiPropertyOptional({ minimum: 1, maximum: COUNT_MAX, default: 1, type: 'integer', description: 'How many drafts' })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: COUNT_RULE })
  @Min(1, { message: COUNT_RULE })
  @Max(COUNT_MAX, { message: COUNT_RULE })
  count: number = 1;
}

export const DAILY_DRAFTS_MAX = 1_000_000;
export const DAILY_DRAFTS_RULE =
  'Enter a whole number of drafts per day (0 = unlimited), or leave it empty for the default.';

/** POST /admin/users/<username>/quota: a whole number ≥ 0, or empty for "back to the default". */
export class QuotaDto {
  @IsString({ message: DAILY_DRAFTS_RULE })
  @Matches(/^\s*\d{0,7}\s*$/, { message: DAILY_DRAFTS_RULE })
  dailyDrafts: string;

  /** Where to go afterwards (a local path; the users table on /admin posts here too). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  returnTo?: string;
}

/** POST /result/<id>/delete: the checkbox must be ticked (no JS confirm dialogs under CSP). */
export class DeleteJobDto {
  @IsOptional()
  @IsString()
  @MaxLength(20)
  confirm?: string;
}

const CONFIRMED = new Set(['yes', 'on', 'true', '1']);

export function isConfirmed(value: string | undefined): boolean {
  return CONFIRMED.has((value ?? '').toLowerCase());
}
