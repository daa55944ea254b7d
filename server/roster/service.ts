import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema/index.ts';
import { conflict, HttpError } from '../http/errors.ts';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { AuthRepository } from '../auth/repository.ts';
import { hashPassword, oneTimePassword } from '../auth/password.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { parseRoster, type RosterProblem } from './validate.ts';

export class RosterError extends HttpError {
  constructor(readonly problems: RosterProblem[]) {
    super(400, 'roster_invalid', `The roster has ${problems.length} problem(s); nothing was imported. First: row ${problems[0]?.row}: ${problems[0]?.message}`);
  }
}

export class RosterService {
  constructor(
    private readonly db: Db,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * Imports lawyers into firms of the organization's subtree. All or nothing: any bad row (bad
   * licence, unknown firm, a licence already registered) imports no one and names the rows.
   */
  async importCsv(user: SessionUser, orgId: string, csv: string, dryRun: boolean, ip: string) {
    await this.access.assertRole(user, orgId, 'admin');
    const { rows, problems } = parseRoster(csv);
    // A file that could not be read row by row stops here; otherwise every row is checked
    // against the database too, so the trainer fixes the whole file in one go.
    if (rows.length === 0) throw new RosterError(problems);

    const firms = (await new OrganizationsRepository(this.db).subtree([orgId])).filter((o) => o.kind === 'firm');
    const firmByName = new Map(firms.map((f) => [f.name, f]));
    const existing = await this.db.select({ licenseNo: users.licenseNo, login: users.login }).from(users)
      .where(inArray(users.licenseNo, rows.map((r) => r.licenseNo)));
    const taken = new Set(existing.map((e) => e.licenseNo));
    const badFirmRows = new Set(problems.filter((p) => p.column === 'firm').map((p) => p.row));
    for (const r of rows) {
      if (!badFirmRows.has(r.row) && !firmByName.has(r.firm)) problems.push({ row: r.row, column: 'firm', message: `No firm named "${r.firm}" in this organization.` });
      if (taken.has(r.licenseNo)) problems.push({ row: r.row, column: 'licenseNo', message: `Licence number ${r.licenseNo} is already registered.` });
    }
    if (problems.length) throw new RosterError(problems.sort((a, b) => a.row - b.row));
    if (dryRun) return { imported: 0, dryRun: true, accounts: [] };

    const prepared = await Promise.all(
      rows.map(async (r) => {
        const password = oneTimePassword();
        return { r, password, hash: await hashPassword(password) };
      }),
    );
    // Another import of the same lawyers may have passed the same checks a moment ago: then the
    // unique index on the login refuses one of ours, the transaction rolls back whole, and the
    // administrator hears why instead of a 500 (issue 7).
    const accounts = await this.db.transaction(async (tx) => {
      const repo = new AuthRepository(tx);
      const out: { licenseNo: string; name: string; login: string; initialPassword: string }[] = [];
      for (const { r, password, hash } of prepared) {
        // The one-time password passes through the administrator's hands: the lawyer must choose their own.
        await repo.insertUser({ login: r.licenseNo, name: r.name, passwordHash: hash, organizationId: firmByName.get(r.firm)!.id, licenseNo: r.licenseNo, passwordChangeRequired: true });
        out.push({ licenseNo: r.licenseNo, name: r.name, login: r.licenseNo, initialPassword: password });
      }
      // One entry for the whole import: how many, into which firms. Not the lawyers' passwords,
      // and not one entry per lawyer (an import of 2,000 would drown every other entry).
      const perFirm = new Map<string, { id: string; name: string; imported: number }>();
      for (const { r } of prepared) {
        const firm = firmByName.get(r.firm)!;
        const counted = perFirm.get(firm.id) ?? { id: firm.id, name: firm.name, imported: 0 };
        counted.imported++;
        perFirm.set(firm.id, counted);
      }
      await AuditLog.record(tx, {
        actor: user,
        action: 'roster.imported',
        organizationId: orgId,
        targetType: 'organization',
        targetId: orgId,
        before: null,
        after: { imported: out.length, firms: [...perFirm.values()] },
        ip,
      });
      return out;
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw conflict('roster_conflict', 'Some of these lawyers were registered by another import at the same moment, so nothing from this file was imported. Check the roster and import it again: rows already registered will be named.');
      throw err;
    });
    return { imported: accounts.length, dryRun: false, accounts };
  }
}

/** PostgreSQL's unique_violation, as the postgres driver or PGlite raise it (drizzle may wrap it). */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
