/**
 * TypeBox shapes of the roster routes (server/roster/routes.ts, docs/accounts.md "Roster import"):
 * request bodies and answers, shared with GET /api/jobs/:jobId (a long import's answer,
 * server/jobs/schemas.ts). Pure: the service returns their `Static` types and the web imports them
 * type-only (web/src/lib/api/types.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';

/**
 * A 20,000-row roster is about 2 MB of CSV (Chinese names and firms: 3 bytes a character) or a
 * 0.5 MB workbook (0.7 MB as base64); the limits leave room for long names and extra columns.
 */
const MAX_CSV_CHARACTERS = 4_000_000;
const MAX_XLSX_BASE64 = 12_000_000;

const ROSTER_COLUMN = Type.Union([
  Type.Literal('licenseNo'),
  Type.Literal('name'),
  Type.Literal('firm'),
  Type.Literal('practiceStartedOn'),
  Type.Literal('partTime'),
  Type.Literal('birthYear'),
]);

// ── requests ──

const RosterFile = {
  csv: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CSV_CHARACTERS, description: 'the roster as CSV text (UTF-8; a BOM is fine)' })),
  xlsx: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_XLSX_BASE64, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'the bytes of an .xlsx workbook, base64' })),
};
export const RosterImportBodySchema = Type.Object({ ...RosterFile, dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const RosterPreviewBodySchema = Type.Object(RosterFile, { additionalProperties: false });

// ── answers ──

export const RosterAccountSchema = Type.Object({
  licenseNo: Type.String(),
  name: Type.String(),
  login: Type.String(),
  initialPassword: Type.Optional(Type.String({ description: 'the one-time password; left out once it was answered' })),
});

export const RosterProblemSchema = Type.Object({
  row: Type.Integer({ description: 'line in the file (1 = first line); 0 for the file as a whole' }),
  column: Type.Optional(ROSTER_COLUMN),
  code: Type.String({ description: 'e.g. license_format, firm_unknown, license_registered (docs/accounts.md)' }),
  params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  message: Type.String(),
});

/** `path`: names from the importing organization down to the firm, both included */
const FirmPlaceSchema = Type.Object({ id: Type.String(), name: Type.String(), path: Type.Array(Type.String()) });

export const RosterPreviewSchema = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  sheet: Type.Union([Type.String(), Type.Null()]),
  /** line of the header row in the file; 0 when none was found */
  headerRow: Type.Integer(),
  optionalColumns: Type.Array(ROSTER_COLUMN),
  organization: Type.Object({ id: Type.String(), name: Type.String(), path: Type.Array(Type.String()) }),
  /** lawyer rows recognised in the file */
  total: Type.Integer(),
  /** rows without any problem */
  valid: Type.Integer(),
  background: Type.Boolean({ description: 'the import will answer 202 and run as a background job' }),
  firms: Type.Array(Type.Object({ ...FirmPlaceSchema.properties, rows: Type.Integer() })),
  unknownFirms: Type.Array(Type.Object({ name: Type.String(), rows: Type.Array(Type.Integer()), suggestion: Type.Union([FirmPlaceSchema, Type.Null()]) })),
  /** every problem of every row, by row */
  problems: Type.Array(RosterProblemSchema),
  /** the bad rows (up to 1,000) and the first 20 rows, by row */
  rows: Type.Array(
    Type.Object({
      row: Type.Integer(),
      licenseNo: Type.String(),
      name: Type.String(),
      firm: Type.String(),
      practiceStartedOn: Type.Union([Type.String(), Type.Null()]),
      partTime: Type.Boolean(),
      birthYear: Type.Union([Type.Integer(), Type.Null()]),
      bad: Type.Boolean(),
    }),
  ),
});

/** 200 of the import (up to 50 rows): each account's one-time initial password, answered once. */
export const RosterImportedSchema = Type.Object({
  imported: Type.Integer(),
  dryRun: Type.Boolean(),
  accounts: Type.Array(Type.Object({ licenseNo: Type.String(), name: Type.String(), login: Type.String(), initialPassword: Type.String() })),
});

/** 202 of the import (a longer roster): follow GET /api/jobs/:jobId. */
export const RosterQueuedSchema = Type.Object({ jobId: Type.String(), total: Type.Integer(), status: Type.Literal('queued') });

/** 400 of the import: the fixed shape of API.md (row, column, message; the preview also gives codes). */
export const BadRosterSchema = Type.Object({
  error: Type.String(),
  message: Type.String(),
  problems: Type.Optional(Type.Array(Type.Object({ row: Type.Integer(), column: Type.Optional(Type.String()), message: Type.String() }))),
});

export type RosterPreviewBody = Static<typeof RosterPreviewBodySchema>;
export type RosterColumn = Static<typeof ROSTER_COLUMN>;
/** One problem of the file or of a row; `code` and `params` word it (`roster.problem.<code>` in the web's catalogs). */
export type RosterProblem = Static<typeof RosterProblemSchema>;
/** An imported lawyer's account; `initialPassword` left out once answered (a background job's later answers). */
export type RosterAccount = Static<typeof RosterAccountSchema>;
/** POST /api/organizations/:orgId/roster/preview: what the import would do; nothing stored. */
export type RosterPreview = Static<typeof RosterPreviewSchema>;
export type RosterFirmPlace = Static<typeof FirmPlaceSchema>;
export type RosterPreviewRow = RosterPreview['rows'][number];
export type RosterImported = Static<typeof RosterImportedSchema>;
/** An account as the import's 200 answers it: the one-time password always there. */
export type ImportedAccount = RosterImported['accounts'][number];
export type RosterQueued = Static<typeof RosterQueuedSchema>;
