/**
 * The first administrator of a production install (`npm run admin:create`, scripts/admin-create.ts):
 * creates the national association when the database has none, an account with the password the
 * operator typed, and `admin` on the national association. Everything else — provinces, cities,
 * firms, staff and their roles — is then done in the web app (/admin) by that administrator.
 *
 * Written to the audit log like any other change, with no actor (it is made on the server, not
 * through a login), in the same transaction.
 */
import { AuditLog } from '../audit/service.ts';
import { hashPassword } from '../auth/password.ts';
import type { Db } from '../db/client.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { placementProblem } from '../organizations/region-code.ts';
import { StaffRepository } from './repository.ts';
import { loginProblem, type LoginProblem } from './logins.ts';

export interface FirstAdminInput {
  login: string;
  name: string;
  /** typed by the operator; not a one-time password: the account need not change it */
  password: string;
  /** used only when the database has no national association yet */
  organizationName: string;
  regionCode: string;
}

export const MIN_OPERATOR_PASSWORD = 12;

export type FirstAdminOutcome =
  | { kind: 'created'; userId: string; login: string; organizationId: string; organizationName: string; organizationCreated: boolean }
  | { kind: 'invalid_login'; reason: LoginProblem }
  | { kind: 'invalid_name' }
  | { kind: 'password_too_short'; minimum: number }
  | { kind: 'invalid_region_code' }
  | { kind: 'login_taken' };

export async function createFirstAdmin(db: Db, input: FirstAdminInput): Promise<FirstAdminOutcome> {
  const login = input.login.trim();
  const name = input.name.trim();
  const badLogin = loginProblem(login);
  if (badLogin) return { kind: 'invalid_login', reason: badLogin };
  if (!name || name.length > 100) return { kind: 'invalid_name' };
  if (input.password.length < MIN_OPERATOR_PASSWORD) return { kind: 'password_too_short', minimum: MIN_OPERATOR_PASSWORD };
  const hash = await hashPassword(input.password); // 32 MiB of scrypt: before the transaction

  return db.transaction(async (tx) => {
    const staff = new StaffRepository(tx);
    if (await staff.findAccountByLogin(login)) return { kind: 'login_taken' } as const;
    const orgs = new OrganizationsRepository(tx);
    const existing = await orgs.findRoot();
    let national = existing;
    if (!national) {
      if (placementProblem({ kind: 'national', regionCode: input.regionCode, county: false }, null)) return { kind: 'invalid_region_code' } as const;
      national = await orgs.insert({ kind: 'national', name: input.organizationName.trim(), regionCode: input.regionCode });
      await AuditLog.record(tx, {
        actor: null,
        action: 'organization.created',
        organizationId: national.id,
        targetType: 'organization',
        targetId: national.id,
        before: null,
        after: { name: national.name, kind: national.kind, regionCode: national.regionCode, county: national.county, parentId: null, parentName: null },
        ip: null,
      });
    }
    const user = await staff.insertStaff({ login, name, organizationId: national.id, passwordHash: hash, passwordChangeRequired: false });
    await AuditLog.record(tx, {
      actor: null,
      action: 'staff.created',
      organizationId: national.id,
      targetType: 'user',
      targetId: user.id,
      before: null,
      after: { login, name, organizationId: national.id, organizationName: national.name, passwordChangeRequired: false },
      ip: null,
    });
    await staff.grant(user.id, national.id, 'admin');
    await AuditLog.record(tx, {
      actor: null,
      action: 'role.granted',
      organizationId: national.id,
      targetType: 'user',
      targetId: user.id,
      before: null,
      after: { login, role: 'admin', organizationId: national.id, organizationName: national.name },
      ip: null,
    });
    return { kind: 'created', userId: user.id, login, organizationId: national.id, organizationName: national.name, organizationCreated: !existing } as const;
  });
}
