import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Role, ROLES } from '../../users/user.model';
import { CUSTOM_CODE_PATTERN } from '../../invites/invites.service';

export const MAX_USES_LIMIT = 1000;
export const EXPIRES_IN_DAYS_LIMIT = 365;
export const NOTE_MAX_LENGTH = 200;

const ROLE_RULE = 'Choose a role: user or admin.';
const MAX_USES_RULE = `Uses must be a whole number from 1 to ${MAX_USES_LIMIT}.`;
const EXPIRES_RULE = `Expiry must be a whole number of days from 0 (never) to ${EXPIRES_IN_DAYS_LIMIT}.`;
const CODE_RULE = 'A custom code must be 6–64 letters, digits, dashes or underscores.';

/**
 * Form fields arrive as strings: an empty field means "use the default"; a whole number becomes a
 * number; anything else stays as typed so @IsInt refuses it (no silent rounding or NaN).
 */
function toOptionalInt({ value }: { value: unknown }): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function toOptionalText({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** POST /admin/invites and `cli mint-invite` (SPEC §4). */
export class MintInviteDto {
  @Transform(toOptionalText)
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX_LENGTH, { message: `Keep the note under ${NOTE_MAX_LENGTH} characters.` })
  note?: string;

  @Transform(toOptionalText)
  @IsOptional()
  @IsIn(ROLES, { message: ROLE_RULE })
  role?: Role;

  @Transform(toOptionalInt)
  @IsOptional()
  @IsInt({ message: MAX_USES_RULE })
  @Min(1, { message: MAX_USES_RULE })
  @Max(MAX_USES_LIMIT, { message: MAX_USES_RULE })
  maxUses?: number;

  @Transform(toOptionalInt)
  @IsOptional()
  @IsInt({ message: EXPIRES_RULE })
  @Min(0, { message: EXPIRES_RULE })
  @Max(EXPIRES_IN_DAYS_LIMIT, { message: EXPIRES_RULE })
  expiresInDays?: number;

  @Transform(toOptionalText)
  @IsOptional()
  @IsString({ message: CODE_RULE })
  @Matches(CUSTOM_CODE_PATTERN, { message: CODE_RULE })
  code?: string;
}

/** POST /admin/users/<username>/role. */
export class SetRoleDto {
  @IsIn(ROLES, { message: ROLE_RULE })
  role: Role;
}

/** POST /admin/users/<username>/delete: the checkbox must be ticked (no JS confirm dialogs under CSP). */
export class DeleteUserDto {
  @IsOptional()
  @IsString()
  @MaxLength(20)
  confirm?: string;
}
