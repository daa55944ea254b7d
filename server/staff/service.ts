/**
 * Staff accounts and roles (docs/accounts.md, "Organizations and staff"): an administrator
 * creates accounts for the people who run associations and teach (no licence number, a one-time
 * password answered once), lists an organization's staff, finds people of their subtree, and
 * grants or revokes `trainer` and `admin` under the rules of role-authority.ts. Every change is
 * written to the audit log in the transaction that makes it.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { Role } from '../auth/repository.ts';
import { AuditLog } from '../audit/service.ts';
import { hashPassword, oneTimePassword } from '../auth/password.ts';
import { badRequest, conflict, forbidden, HttpError } from '../http/errors.ts';
import type { Tx } from '../db/client.ts';
import { OrganizationsRepository, type OrganizationRow } from '../organizations/repository.ts';
import { isClosedChain } from '../organizations/tree.ts';
import { LOGIN_PROBLEM_MESSAGES, loginProblem } from './logins.ts';
import type { PersonRow, StaffAccount, StaffRepository } from './repository.ts';
import { changeableRoles, roleAuthority } from './role-authority.ts';
import type { NewStaff, Person, StaffAccountCreated, StaffList } from './schemas.ts';

export type { StaffAccountCreated } from './schemas.ts';
/** A person as the staff routes answer it (schemas.ts). */
export type PersonView = Person;

export const MAX_PEOPLE_RESULTS = 50;
export const DEFAULT_PEOPLE_RESULTS = 20;

const personView = (p: PersonRow): PersonView => ({
  userId: p.id,
  login: p.login,
  name: p.name,
  licenseNo: p.licenseNo,
  organization: { id: p.organizationId, name: p.organizationName },
  disabled: p.disabled,
  passwordChangeRequired: p.passwordChangeRequired,
  roles: p.roles,
});

const unknownLogin = () => new HttpError(404, 'not_found', 'No account with this login among the organizations you administer.');
const closedError = (org: OrganizationRow) => conflict('organization_closed', `${org.name} is closed: nothing new can be added to it. Reopen it first.`);

/** PostgreSQL's unique_violation, as the postgres driver or PGlite raise it (drizzle may wrap it). */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/**
 * The organization, share-locked in the transaction: a staff account or a grant added now cannot
 * cross its closing (docs/accounts.md, "Closing"). Gone meanwhile: 403, as for an unknown id.
 */
async function lockForAdding(tx: Tx, orgId: string): Promise<OrganizationRow> {
  const org = await new OrganizationsRepository(tx).lockForAdding(orgId);
  if (!org) throw forbidden('You are not an administrator of this organization');
  return org;
}

export class StaffService {
  constructor(
    private readonly repo: StaffRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * A staff account in the organization (admin on it or above; 403 otherwise). 400 for a login
   * that is not 2–100 of A–Z a–z 0–9 . _ @ - or only digits (those are lawyers' licence
   * numbers); 409 login_taken; 409 organization_closed.
   */
  async createStaff(user: SessionUser, orgId: string, input: NewStaff, ip: string): Promise<StaffAccountCreated> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const login = input.login.trim();
    const problem = loginProblem(login);
    if (problem) throw badRequest(problem === 'login_shape' ? 'invalid_login' : problem, LOGIN_PROBLEM_MESSAGES[problem]);
    const name = input.name.trim();
    if (!name) throw badRequest('invalid_name', 'The name must not be empty.');
    const password = oneTimePassword();
    const hash = await hashPassword(password); // 32 MiB of scrypt: before the transaction
    const taken = () => conflict('login_taken', `The login “${login}” is already in use. Choose another one.`);
    const account = await this.repo
      .transaction(async (repo, tx) => {
        const org = await lockForAdding(tx, orgId);
        if (isClosedChain([org, ...chain.slice(1)])) throw closedError(org);
        if (await repo.findAccountByLogin(login)) throw taken();
        // The one-time password passes through the administrator's hands: the person must choose their own.
        const created = await repo.insertStaff({ login, name, organizationId: orgId, passwordHash: hash, passwordChangeRequired: true });
        await AuditLog.record(tx, {
          actor: user,
          action: 'staff.created',
          organizationId: orgId,
          targetType: 'user',
          targetId: created.id,
          before: null,
          after: { login, name, organizationId: orgId, organizationName: org.name, passwordChangeRequired: true },
          ip,
        });
        return created;
      })
      .catch((err: unknown) => {
        // the same login created at the same moment by someone else: the unique index decides
        if (isUniqueViolation(err)) throw taken();
        throw err;
      });
    return { userId: account.id, login: account.login, initialPassword: password };
  }

  /** Accounts holding a role on the organization, and its staff accounts without one; what the caller may change here. */
  async listStaff(user: SessionUser, orgId: string): Promise<StaffList> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const rows = await this.repo.staffOf(orgId);
    return {
      organizationId: orgId,
      changeableRoles: changeableRoles({ userId: user.id, adminOrganizationIds: this.access.rootsFor(user, 'admin') }, chain.map((o) => o.id)),
      items: rows.map((r) => ({ ...personView(r), rolesHere: r.rolesHere })),
    };
  }

  /** People of the caller's subtree by login or licence number (prefix) or name (anywhere in it). */
  async searchPeople(user: SessionUser, query: string, limit = DEFAULT_PEOPLE_RESULTS): Promise<PersonView[]> {
    const roots = this.access.rootsFor(user, 'admin');
    if (roots.length === 0) throw forbidden('You are not an administrator of any organization');
    const q = query.trim();
    if (!q) return [];
    return (await this.repo.search(roots, q, Math.min(limit, MAX_PEOPLE_RESULTS))).map(personView);
  }

  /** 204 whether or not the role was held before; only a real change is logged. */
  async grantRole(user: SessionUser, orgId: string, login: string, role: Role, ip: string): Promise<void> {
    const { account } = await this.authorised(user, orgId, login, role);
    await this.repo.transaction(async (repo, tx) => {
      const org = await lockForAdding(tx, orgId);
      if (org.closedAt) throw closedError(org);
      if (!(await repo.grant(account.id, orgId, role))) return;
      await AuditLog.record(tx, {
        actor: user,
        action: 'role.granted',
        organizationId: orgId,
        targetType: 'user',
        targetId: account.id,
        before: null,
        after: { login: account.login, role, organizationId: orgId, organizationName: org.name },
        ip,
      });
    });
  }

  /** 204 whether or not the role was held; revoking on a closed organization is allowed (clean-up). */
  async revokeRole(user: SessionUser, orgId: string, login: string, role: Role, ip: string): Promise<void> {
    const { account, chain } = await this.authorised(user, orgId, login, role);
    await this.repo.transaction(async (repo, tx) => {
      if (!(await repo.revoke(account.id, orgId, role))) return;
      await AuditLog.record(tx, {
        actor: user,
        action: 'role.revoked',
        organizationId: orgId,
        targetType: 'user',
        targetId: account.id,
        before: { login: account.login, role, organizationId: orgId, organizationName: chain[0]!.name },
        after: null,
        ip,
      });
    });
  }

  /**
   * The account, when the caller may change `role` on the organization for it (role-authority.ts):
   * 403 outside the caller's subtree (also for an unknown organization), 404 for an unknown
   * login or one outside it, 409 own_account for the caller's own admin role, 403 peer_role for
   * admin on the caller's own level, 403 peer_account for an administrator at that level or above.
   */
  private async authorised(user: SessionUser, orgId: string, login: string, role: Role): Promise<{ account: StaffAccount; chain: OrganizationRow[] }> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const account = await this.repo.findAccountByLogin(login);
    if (!account) throw unknownLogin();
    const chainOf = async (id: string) => (await this.organizations.ancestors(id)).map((o) => o.id);
    const decision = roleAuthority(
      { userId: user.id, adminOrganizationIds: this.access.rootsFor(user, 'admin') },
      {
        role,
        position: chain.map((o) => o.id),
        person: {
          userId: account.id,
          organization: await chainOf(account.organizationId),
          adminRoles: await Promise.all((await this.repo.adminOrganizationsOf(account.id)).map(chainOf)),
        },
      },
    );
    switch (decision.kind) {
      case 'allowed':
        return { account, chain };
      case 'position_not_administered':
        throw forbidden('You are not an administrator of this organization');
      case 'person_not_administered':
        throw unknownLogin();
      case 'own_admin_role':
        throw conflict('own_account', 'You cannot grant or revoke your own administrator role; an administrator of the association above does that.');
      case 'peer_position':
        throw new HttpError(403, 'peer_role', 'Administrators of this organization are named and removed by an administrator of the association above it, not by its own administrators.');
      case 'peer_person':
        throw new HttpError(
          403,
          'peer_account',
          'This person is an administrator at your level or above; only an administrator of an organization above all of their administrator roles can change their roles.',
        );
    }
  }
}
