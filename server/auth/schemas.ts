/**
 * The session routes' contract (API.md "Health and session"), pure TypeBox: the routes validate
 * and document with these and the web imports the `Static<…>` types with `import type`.
 */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';
import { RoleSchema } from '../staff/schemas.ts';

export const LoginRequestSchema = Type.Object(
  // A password may hold any character but NUL (refused for every field by the validator).
  { login: PlainText({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export const LoginResponseSchema = Type.Object({ user: Type.Object({ id: Type.String(), login: Type.String(), name: Type.String() }) });
export const RoleGrantSchema = Type.Object({ organizationId: Type.String(), role: RoleSchema });
export const MeSchema = Type.Object({
  id: Type.String(),
  login: Type.String(),
  name: Type.String(),
  organizationId: Type.String(),
  roles: Type.Array(RoleGrantSchema),
  passwordChangeRequired: Type.Boolean({ description: 'the password is a one-time password (roster import or reset): the web app asks for a new one first' }),
});

/** POST /api/auth/login */
export type LoginRequest = Static<typeof LoginRequestSchema>;
export type LoginResponse = Static<typeof LoginResponseSchema>;
/** a role held on an organization (and its subtree) */
export type RoleGrant = Static<typeof RoleGrantSchema>;
/** GET /api/me */
export type Me = Static<typeof MeSchema>;
