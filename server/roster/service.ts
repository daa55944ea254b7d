/**
 * Roster import (docs/accounts.md, "Roster import"): lawyers from a CSV or XLSX file into the
 * firms of an organization's subtree. A preview checks everything and stores nothing; the import
 * checks the same and is all or nothing. Up to BACKGROUND_ABOVE rows are imported in the request;
 * a longer roster becomes a background job (server/jobs) whose progress the administrator
 * follows and whose one-time passwords are answered once.
 */
import { conflict, HttpError } from '../http/errors.ts';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import type { Db, Tx } from '../db/client.ts';
import type { OrganizationRow } from '../organizations/repository.ts';
import { isClosedChain } from '../organizations/tree.ts';
import { JobsRepository } from '../jobs/repository.ts';
import { JobFailure, notifyJobQueued, type JobContext } from '../jobs/runner.ts';
import { FirmDirectory, type FirmPlace } from './firms.ts';
import { hashOneTimePasswords, type HashedPassword } from './hashing.ts';
import { RosterRepository } from './repository.ts';
import { checkRoster, readRosterCsv, type CheckedRoster, type RosterColumn, type RosterProblem, type RosterRow } from './validate.ts';
import type { ImportedAccount, RosterAccount, RosterImported, RosterPreview, RosterQueued } from './schemas.ts';
import { readRosterXlsx } from './xlsx.ts';

/** The roster as it arrived: CSV text, or the bytes of an XLSX workbook. */
export type RosterSource = { format: 'csv'; text: string } | { format: 'xlsx'; bytes: Buffer };

/**
 * Longer rosters run as a background job. One hash takes about 0.1–0.15 s of a core and bulk
 * hashing runs one at a time on 2 cores (server/roster/hashing.ts), so 50 rows answer within
 * about 8 s; a city's few hundred would keep a request open for minutes.
 */
export const BACKGROUND_ABOVE = 50;

export const ROSTER_JOB = 'roster_import';

/** How many rows the preview lists besides the bad ones, and how many bad ones at most. */
const PREVIEW_SAMPLE = 20;
const PREVIEW_BAD_ROWS = 1000;

export type ImportOutcome = ({ kind: 'imported' } & RosterImported) | ({ kind: 'queued' } & Omit<RosterQueued, 'status'>);

/** What a roster job keeps in background_jobs.input: the checked rows, not the file. */
export interface RosterJobInput {
  ip: string | null;
  rows: RosterRow[];
}

/** A roster job's answer (background_jobs.result); the passwords are removed after the first read. */
export interface RosterJobResult {
  imported: number;
  accounts: RosterAccount[];
  /** set once the passwords were removed: the actor read them, or nobody did in time */
  passwords?: 'taken' | 'expired';
}

export class RosterError extends HttpError {
  constructor(readonly problems: RosterProblem[]) {
    super(400, 'roster_invalid', `The roster has ${problems.length} problem(s); nothing was imported. First: row ${problems[0]?.row}: ${problems[0]?.message}`);
  }
}

interface Examined {
  problems: RosterProblem[];
  firmOf: Map<string, FirmPlace>;
  unknownFirms: RosterPreview['unknownFirms'];
}

export class RosterService {
  constructor(
    private readonly db: Db,
    private readonly repo: RosterRepository,
    private readonly jobs: JobsRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** Everything the import would check, stored nowhere. 403 outside the caller's subtree. */
  async preview(user: SessionUser, orgId: string, source: RosterSource): Promise<RosterPreview> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const table = source.format === 'csv' ? readRosterCsv(source.text) : await readRosterXlsx(source.bytes);
    const checked = 'code' in table ? { rows: [], problems: [table], headerRow: 0, optionalColumns: [] } : checkRoster(table);
    const examined = await this.examine(chain, checked);
    const badRows = new Set(examined.problems.map((p) => p.row));
    const counts = new Map<string, FirmPlace & { rows: number }>();
    for (const r of checked.rows) {
      const firm = examined.firmOf.get(r.firm);
      if (firm) counts.set(firm.id, { ...firm, rows: (counts.get(firm.id)?.rows ?? 0) + 1 });
    }
    const bad = checked.rows.filter((r) => badRows.has(r.row)).slice(0, PREVIEW_BAD_ROWS);
    const rows = [...new Set([...checked.rows.slice(0, PREVIEW_SAMPLE), ...bad])].sort((a, b) => a.row - b.row).map((r) => ({ ...r, bad: badRows.has(r.row) }));
    return {
      format: source.format,
      sheet: 'code' in table ? null : (table.sheet ?? null),
      headerRow: checked.headerRow,
      optionalColumns: checked.optionalColumns,
      organization: { id: orgId, name: chain[0]!.name, path: chain.map((o) => o.name).reverse() },
      total: checked.rows.length,
      valid: checked.rows.filter((r) => !badRows.has(r.row)).length,
      background: checked.rows.length > BACKGROUND_ABOVE,
      firms: [...counts.values()],
      unknownFirms: examined.unknownFirms,
      problems: examined.problems,
      rows,
    };
  }

  /**
   * Imports the roster, all or nothing. Any problem → RosterError (400) naming every bad row;
   * more than BACKGROUND_ABOVE rows → a queued job; otherwise the accounts, answered once.
   */
  async importRoster(user: SessionUser, orgId: string, source: RosterSource, options: { dryRun: boolean; ip: string | null }): Promise<ImportOutcome> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const table = source.format === 'csv' ? readRosterCsv(source.text) : await readRosterXlsx(source.bytes);
    if ('code' in table) throw new RosterError([table]);
    const checked = checkRoster(table);
    const examined = await this.examine(chain, checked);
    if (examined.problems.length) throw new RosterError(examined.problems);
    if (options.dryRun) return { kind: 'imported', imported: 0, dryRun: true, accounts: [] };
    await this.refuseWhilePending(checked.rows);

    if (checked.rows.length > BACKGROUND_ABOVE) {
      const input: RosterJobInput = { ip: options.ip, rows: checked.rows };
      const job = await this.jobs.enqueue(this.db, { kind: ROSTER_JOB, organizationId: orgId, actorId: user.id, input, total: checked.rows.length });
      notifyJobQueued();
      return { kind: 'queued', jobId: job.id, total: job.total };
    }
    const hashed = await hashOneTimePasswords(checked.rows.length);
    const accounts = await this.db
      .transaction((tx) => this.store(tx, { actor: user, orgId, ip: options.ip, rows: checked.rows, firmOf: examined.firmOf, hashed, jobId: null }))
      .catch(rethrowConflict);
    return { kind: 'imported', imported: accounts.length, dryRun: false, accounts };
  }

  /**
   * The background half of a long import (server/jobs/kinds.ts). The rows were checked when the
   * job was queued; they are checked again here (another import, a closed firm or a withdrawn
   * role may have come in between), then hashed with progress, then stored in one transaction
   * that also marks the job done with the accounts.
   */
  async runImportJob(context: JobContext, actor: SessionUser | null): Promise<void> {
    const { job } = context;
    const input = job.input as RosterJobInput;
    const chain = actor && (await this.access.hasRole(actor, job.organizationId, 'admin')) ? await this.repo.ancestors(job.organizationId) : null;
    if (!actor || !chain) throw new JobFailure('forbidden', 'The administrator who started this import no longer administers the organization (or the account was disabled); nothing was imported.');
    const examined = await this.examine(chain, { rows: input.rows, problems: [] });
    if (examined.problems.length) {
      throw new JobFailure('roster_invalid', `Since the roster was checked, ${new Set(examined.problems.map((p) => p.row)).size} of its rows can no longer be imported (first: row ${examined.problems[0]!.row}: ${examined.problems[0]!.message}); nothing was imported.`, {
        problems: examined.problems,
      });
    }
    const hashed = await hashOneTimePasswords(input.rows.length, { signal: context.signal, onHashed: (done) => context.progress(done) });
    await context
      .finish(async (tx): Promise<RosterJobResult> => {
        const accounts = await this.store(tx, { actor, orgId: job.organizationId, ip: input.ip, rows: input.rows, firmOf: examined.firmOf, hashed, jobId: job.id });
        return { imported: accounts.length, accounts };
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new JobFailure('roster_conflict', 'Some of these lawyers were registered by another import at the same moment, so nothing from this file was imported. Check the roster and import it again: rows already registered will be named.');
        throw err;
      });
  }

  /** The checks against the database: firms of the subtree, accounts already registered. */
  private async examine(chain: OrganizationRow[], checked: Pick<CheckedRoster, 'rows' | 'problems'>): Promise<Examined> {
    const problems = [...checked.problems];
    const firmOf = new Map<string, FirmPlace>();
    const unknown = new Map<string, RosterPreview['unknownFirms'][number]>();
    if (checked.rows.length === 0) return { problems, firmOf, unknownFirms: [] };
    const org = chain[0]!;
    const directory = new FirmDirectory(org.id, await this.repo.subtree(org.id), isClosedChain(chain));
    const where = chain.map((o) => o.name).reverse().join(' › ');
    const badFirm = new Set(problems.filter((p) => p.column === 'firm').map((p) => p.row));
    const lookups = new Map<string, ReturnType<FirmDirectory['lookup']>>();
    for (const r of checked.rows) {
      if (badFirm.has(r.row)) continue;
      const found = lookups.get(r.firm) ?? directory.lookup(r.firm);
      lookups.set(r.firm, found);
      switch (found.kind) {
        case 'found':
          firmOf.set(r.firm, found.firm);
          break;
        case 'closed':
          problems.push({ row: r.row, column: 'firm', code: 'firm_closed', params: { value: r.firm, path: found.firm.path.join(' › ') }, message: `The firm "${r.firm}" (${found.firm.path.join(' › ')}) is closed and takes no new lawyers.` });
          break;
        case 'ambiguous': {
          const paths = found.firms.map((f) => f.path.join(' › ')).join('; ');
          problems.push({ row: r.row, column: 'firm', code: 'firm_ambiguous', params: { value: r.firm, paths }, message: `${found.firms.length} firms named "${r.firm}" are in this organization (${paths}); import this row from the city association of the right one.` });
          break;
        }
        case 'unknown': {
          const hint = found.suggestion ? ` Did you mean "${found.suggestion.name}" (${found.suggestion.path.join(' › ')})?` : '';
          problems.push({ row: r.row, column: 'firm', code: 'firm_unknown', params: { value: r.firm, path: where, ...(found.suggestion ? { suggestion: found.suggestion.name } : {}) }, message: `No firm named "${r.firm}" under ${where}. Create the firm first, then import again.${hint}` });
          const entry = unknown.get(r.firm) ?? { name: r.firm, rows: [], suggestion: found.suggestion };
          entry.rows.push(r.row);
          unknown.set(r.firm, entry);
          break;
        }
      }
    }
    const badLicense = new Set(problems.filter((p) => p.column === 'licenseNo').map((p) => p.row));
    const candidates = checked.rows.filter((r) => !badLicense.has(r.row));
    const existing = await this.repo.existing(candidates.map((r) => r.licenseNo));
    const registered = new Set(existing.map((e) => e.licenseNo));
    const logins = new Set(existing.map((e) => e.login));
    for (const r of candidates) {
      if (registered.has(r.licenseNo)) problems.push({ row: r.row, column: 'licenseNo', code: 'license_registered', params: { value: r.licenseNo }, message: `Licence number ${r.licenseNo} is already registered.` });
      else if (logins.has(r.licenseNo)) problems.push({ row: r.row, column: 'licenseNo', code: 'login_taken', params: { value: r.licenseNo }, message: `The login ${r.licenseNo} is already used by another account; ask the platform administrator.` });
    }
    problems.sort((a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column));
    return { problems, firmOf, unknownFirms: [...unknown.values()] };
  }

  /**
   * 409 while an import of some of the same lawyers is queued or running: a second click on
   * "import" must not queue the same 20,000 lawyers again (it would fail anyway, later).
   */
  private async refuseWhilePending(rows: readonly RosterRow[]): Promise<void> {
    const pending = await this.jobs.unfinished(ROSTER_JOB);
    if (pending.length === 0) return;
    const mine = new Set(rows.map((r) => r.licenseNo));
    for (const job of pending) {
      const overlap = (job.input as RosterJobInput).rows.filter((r) => mine.has(r.licenseNo)).length;
      if (overlap > 0) {
        throw conflict('roster_import_pending', `${overlap} lawyer(s) of this roster are in an import that is still running; wait until it has finished, then import the roster again (rows already registered will be named).`);
      }
    }
  }

  /** Inserts the lawyers and writes the one audit entry of the import, in the caller's transaction. */
  private async store(
    tx: Tx,
    a: { actor: SessionUser; orgId: string; ip: string | null; rows: readonly RosterRow[]; firmOf: Map<string, FirmPlace>; hashed: readonly HashedPassword[]; jobId: string | null },
  ): Promise<ImportedAccount[]> {
    const lawyers = a.rows.map((r, i) => ({
      licenseNo: r.licenseNo,
      name: r.name,
      organizationId: a.firmOf.get(r.firm)!.id,
      passwordHash: a.hashed[i]!.hash,
      practiceStartedOn: r.practiceStartedOn,
      partTime: r.partTime,
      birthYear: r.birthYear,
    }));
    await this.repo.insertLawyers(tx, lawyers);
    // One entry for the whole import: how many, into which firms. Not the lawyers' passwords,
    // and not one entry per lawyer (an import of 20,000 would drown every other entry).
    const perFirm = new Map<string, { id: string; name: string; imported: number }>();
    for (const r of a.rows) {
      const firm = a.firmOf.get(r.firm)!;
      const counted = perFirm.get(firm.id) ?? { id: firm.id, name: firm.name, imported: 0 };
      counted.imported++;
      perFirm.set(firm.id, counted);
    }
    await AuditLog.record(tx, {
      actor: a.actor,
      action: 'roster.imported',
      organizationId: a.orgId,
      targetType: 'organization',
      targetId: a.orgId,
      before: null,
      after: { imported: a.rows.length, firms: [...perFirm.values()], ...(a.jobId ? { jobId: a.jobId } : {}) },
      ip: a.ip,
    });
    return a.rows.map((r, i) => ({ licenseNo: r.licenseNo, name: r.name, login: r.licenseNo, initialPassword: a.hashed[i]!.password }));
  }
}

/** A roster job's result without the passwords (after the first read, or when nobody read it in time). */
export function withoutPasswords(result: unknown, why: 'taken' | 'expired'): RosterJobResult {
  const r = result as RosterJobResult;
  return { imported: r.imported, accounts: r.accounts.map(({ licenseNo, name, login }) => ({ licenseNo, name, login })), passwords: why };
}

const COLUMNS: (RosterColumn | undefined)[] = [undefined, 'licenseNo', 'name', 'firm', 'practiceStartedOn', 'partTime', 'birthYear'];
const columnOrder = (c: RosterColumn | undefined) => COLUMNS.indexOf(c);

function rethrowConflict(err: unknown): never {
  // Another import of the same lawyers may have passed the same checks a moment ago: then the
  // unique index on the login refuses one of ours, the transaction rolls back whole, and the
  // administrator hears why instead of a 500 (issue 7).
  if (isUniqueViolation(err)) throw conflict('roster_conflict', 'Some of these lawyers were registered by another import at the same moment, so nothing from this file was imported. Check the roster and import it again: rows already registered will be named.');
  throw err;
}

/** PostgreSQL's unique_violation, as the postgres driver or PGlite raise it (drizzle may wrap it). */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
