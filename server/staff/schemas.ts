/**
 * The staff routes' contract (API.md "Administration", docs/accounts.md "Organizations and
 * staff"), pure TypeBox: routes validate and document with it, StaffService is typed from it,
 * and the web imports the `Static<…>` types with `import type`.
 */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';

export const RoleSchema = Type.Union([Type.Literal('trainer'), Type.Literal('admin')]);
// Checked by the service (400 invalid_login / login_digits_only with a sentence); here only bounded.
export const LoginSchema = Type.String({ minLength: 1, maxLength: 200, description: '2–100 of A–Z a–z 0–9 . _ @ -, not digits only' });

export const HeldRoleSchema = Type.Object({ organizationId: Type.String(), organizationName: Type.String(), role: RoleSchema });

const personFields = {
  userId: Type.String(),
  login: Type.String(),
  name: Type.String(),
  licenseNo: Type.Union([Type.String(), Type.Null()], { description: 'null for staff accounts' }),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  disabled: Type.Boolean(),
  passwordChangeRequired: Type.Boolean({ description: 'true until the person has replaced their one-time password' }),
  roles: Type.Array(HeldRoleSchema, { description: 'every role the person holds, anywhere' }),
};
export const PersonSchema = Type.Object(personFields);
export const StaffMemberSchema = Type.Object({ ...personFields, rolesHere: Type.Array(RoleSchema, { description: 'the roles held on this organization' }) });

export const NewStaffSchema = Type.Object({ login: LoginSchema, name: PlainText({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
export const StaffAccountCreatedSchema = Type.Object({ userId: Type.String(), login: Type.String(), initialPassword: Type.String({ description: 'one-time, answered once' }) });
export const StaffListSchema = Type.Object({
  organizationId: Type.String(),
  changeableRoles: Type.Array(RoleSchema, { description: 'what the caller may grant or revoke here (trainer from this level, admin only from above)' }),
  items: Type.Array(StaffMemberSchema),
});
export const PeopleSearchSchema = Type.Object({ items: Type.Array(PersonSchema) });
export const RoleGrantSchema = Type.Object({ login: LoginSchema, role: RoleSchema }, { additionalProperties: false });

export type RoleName = Static<typeof RoleSchema>;
export type HeldRole = Static<typeof HeldRoleSchema>;
export type Person = Static<typeof PersonSchema>;
export type StaffMember = Static<typeof StaffMemberSchema>;
/** POST /api/organizations/:orgId/staff */
export type NewStaff = Static<typeof NewStaffSchema>;
/** its answer: the one-time password, answered once */
export type StaffAccountCreated = Static<typeof StaffAccountCreatedSchema>;
/** GET /api/organizations/:orgId/staff */
export type StaffList = Static<typeof StaffListSchema>;
/** GET /api/people?q= */
export type PeopleSearch = Static<typeof PeopleSearchSchema>;
