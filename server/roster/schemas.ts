/** The answers of the roster routes, shared with GET /api/jobs/:jobId (a long import's answer). */
import { Type } from 'typebox';

const ROSTER_COLUMN = Type.Union([
  Type.Literal('licenseNo'),
  Type.Literal('name'),
  Type.Literal('firm'),
  Type.Literal('practiceStartedOn'),
  Type.Literal('partTime'),
  Type.Literal('birthYear'),
]);

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

const FirmPlaceSchema = Type.Object({ id: Type.String(), name: Type.String(), path: Type.Array(Type.String()) });

export const RosterPreviewSchema = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  sheet: Type.Union([Type.String(), Type.Null()]),
  headerRow: Type.Integer(),
  optionalColumns: Type.Array(ROSTER_COLUMN),
  organization: Type.Object({ id: Type.String(), name: Type.String(), path: Type.Array(Type.String()) }),
  total: Type.Integer(),
  valid: Type.Integer(),
  background: Type.Boolean({ description: 'the import will answer 202 and run as a background job' }),
  firms: Type.Array(Type.Object({ ...FirmPlaceSchema.properties, rows: Type.Integer() })),
  unknownFirms: Type.Array(Type.Object({ name: Type.String(), rows: Type.Array(Type.Integer()), suggestion: Type.Union([FirmPlaceSchema, Type.Null()]) })),
  problems: Type.Array(RosterProblemSchema),
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
