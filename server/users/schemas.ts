/**
 * The account routes' contract (docs/accounts.md), pure TypeBox: the routes validate and document
 * with these, UsersService and its repository are typed from them, and the web imports the
 * `Static<…>` types with `import type`.
 */
import { Type, type Static } from 'typebox';
import { MAX_PASSWORD_LENGTH } from './password-rules.ts';

export const AccountSchema = Type.Object({
  id: Type.String(),
  login: Type.String(),
  name: Type.String(),
  organizationId: Type.String(),
  licenseNo: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
  passwordChangeRequired: Type.Boolean(),
});

export const ChangePasswordRequestSchema = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }), newPassword: Type.String({ maxLength: MAX_PASSWORD_LENGTH }) },
  { additionalProperties: false },
);

/** POST /api/users/:userId/password-reset takes no fields */
export const PasswordResetRequestSchema = Type.Object({}, { additionalProperties: false });

export const PasswordResetSchema = Type.Object({
  userId: Type.String(),
  login: Type.String(),
  name: Type.String(),
  oneTimePassword: Type.String({ description: 'shown once to the administrator; the account must change it at its next login' }),
});

export const AccountChangeSchema = Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false });

/** An account as the administrator's routes answer it (PATCH /api/users/:userId). */
export type Account = Static<typeof AccountSchema>;
/** POST /api/me/password */
export type ChangePasswordRequest = Static<typeof ChangePasswordRequestSchema>;
/** POST /api/users/:userId/password-reset */
export type PasswordReset = Static<typeof PasswordResetSchema>;
