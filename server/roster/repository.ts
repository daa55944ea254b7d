/**
 * The tables a roster import reads and writes: the firms it imports into, the accounts already
 * registered, and the new lawyers (in batches: a province's roster is 20,000 rows).
 */
import { inArray, or } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { users } from '../db/schema/index.ts';
import { OrganizationsRepository, type OrganizationRow } from '../organizations/repository.ts';

/** Rows per INSERT: 9 parameters each, far below PostgreSQL's 65,535 per statement. */
const INSERT_BATCH = 1000;
/** Values per IN list when looking up existing accounts. */
const LOOKUP_BATCH = 5000;

export interface NewLawyer {
  licenseNo: string;
  name: string;
  organizationId: string;
  passwordHash: string;
  practiceStartedOn: string | null;
  partTime: boolean;
  birthYear: number | null;
}

export class RosterRepository {
  constructor(private readonly db: DbOrTx) {}

  /** The organization and everything below it. */
  subtree(orgId: string): Promise<OrganizationRow[]> {
    return new OrganizationsRepository(this.db).subtree([orgId]);
  }

  /** The organization and its ancestors, nearest first. */
  ancestors(orgId: string): Promise<OrganizationRow[]> {
    return new OrganizationsRepository(this.db).ancestors(orgId);
  }

  /** Accounts whose licence number or login is one of these licence numbers. */
  async existing(licenseNos: readonly string[]): Promise<{ login: string; licenseNo: string | null }[]> {
    const found: { login: string; licenseNo: string | null }[] = [];
    for (let i = 0; i < licenseNos.length; i += LOOKUP_BATCH) {
      const chunk = licenseNos.slice(i, i + LOOKUP_BATCH);
      found.push(...(await this.db.select({ login: users.login, licenseNo: users.licenseNo }).from(users).where(or(inArray(users.licenseNo, chunk), inArray(users.login, chunk)))));
    }
    return found;
  }

  /**
   * Inserts the lawyers in `tx`: each logs in with the licence number and must replace the
   * one-time password at the first login. A licence or login taken meanwhile fails the
   * statement (unique indexes), and with it the caller's whole transaction.
   */
  async insertLawyers(tx: Tx, lawyers: readonly NewLawyer[]): Promise<void> {
    for (let i = 0; i < lawyers.length; i += INSERT_BATCH) {
      await tx.insert(users).values(
        lawyers.slice(i, i + INSERT_BATCH).map((l) => ({
          login: l.licenseNo,
          licenseNo: l.licenseNo,
          name: l.name,
          organizationId: l.organizationId,
          passwordHash: l.passwordHash,
          passwordChangeRequired: true,
          practiceStartedOn: l.practiceStartedOn,
          partTime: l.partTime,
          birthYear: l.birthYear,
        })),
      );
    }
  }
}
