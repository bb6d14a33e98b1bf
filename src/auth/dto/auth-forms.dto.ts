import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { USERNAME_PATTERN, USERNAME_RULE } from '../../users/username';
import { IsAcceptablePassword } from './validators';

export class LoginDto {
  @IsString({ message: 'Enter your username.' })
  @MinLength(1, { message: 'Enter your username.' })
  @MaxLength(200)
  username: string;

  @IsString({ message: 'Enter your password.' })
  @MinLength(1, { message: 'Enter your password.' })
  @MaxLength(1000)
  password: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

export class RegisterDto {
  @IsString({ message: USERNAME_RULE })
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @IsString({ message: 'Enter a password.' })
  @IsAcceptablePassword()
  password: string;

  @IsString({ message: 'Enter your invite code.' })
  @MinLength(1, { message: 'Enter your invite code.' })
  @MaxLength(200, { message: 'That invite code is not valid.' })
  inviteCode: string;
}

export class SetupDto {
  @IsString({ message: USERNAME_RULE })
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @IsString({ message: 'Enter a password.' })
  @IsAcceptablePassword()
  password: string;

  @IsString()
  @MaxLength(500)
  token: string;
}

export class ChangePasswordDto {
  @IsString({ message: 'Enter your current password.' })
  @MinLength(1, { message: 'Enter your current password.' })
  @MaxLength(1000)
  currentPassword: string;

  @IsString({ message: 'Enter a new password.' })
  @IsAcceptablePassword()
  newPassword: string;
}

export class ResetPasswordDto {
  @IsString()
  @MinLength(1, { message: 'This reset link is not valid.' })
  @MaxLength(500)
  token: string;

  @IsString({ message: 'Enter a new password.' })
  @IsAcceptablePassword()
  password: string;
}
