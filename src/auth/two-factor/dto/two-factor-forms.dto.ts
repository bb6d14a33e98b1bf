import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

const ENTER_CODE = 'Enter the 6-digit code from your app, or a recovery code.';

export class TwoFactorCodeDto {
  @IsString({ message: ENTER_CODE })
  @MinLength(1, { message: ENTER_CODE })
  @MaxLength(64, { message: ENTER_CODE })
  code: string;
}

export class DisableTwoFactorDto extends TwoFactorCodeDto {
  @IsString({ message: 'Enter your current password.' })
  @MinLength(1, { message: 'Enter your current password.' })
  @MaxLength(1000)
  currentPassword: string;
}

/** An admin's reset: `code` is needed only to reset your own (SPEC: not for yourself without your code). */
export class AdminResetTwoFactorDto {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;
}
