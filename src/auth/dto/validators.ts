import { registerDecorator, ValidationOptions } from 'class-validator';
import { passwordProblem } from '../../users/passwords/password-policy';

/** class-validator rule for new passwords (SPEC §5), with the policy's own message. */
export function IsAcceptablePassword(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAcceptablePassword',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && passwordProblem(value) === undefined,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? (passwordProblem(args.value) ?? '') : 'Enter a password.',
      },
    });
}
