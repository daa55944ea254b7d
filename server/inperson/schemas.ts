/**
 * TypeBox shapes of the in-person routes (server/inperson/routes.ts, 现场培训, docs/programme.md):
 * request bodies and answers. Pure: the service returns their `Static` types and the web imports
 * them type-only (web/src/lib/api/types.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const PersonRefSchema = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));
/** One in-person day is 6–8 学时; a multi-day session a few times that. */
const Minutes = (minimum: number) => Type.Integer({ minimum, maximum: 6000, description: 'minutes credited (the web app converts 学时 with the organization’s minutes per 学时)' });
const Reason = PlainText({ minLength: 1, maxLength: 500, description: 'why: required, kept with the correction and in the audit log' });

// ── requests ──

export const NewSessionSchema = Type.Object(
  {
    title: PlainText({ minLength: 1, maxLength: 200 }),
    heldOn: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the date in Beijing, YYYY-MM-DD' }),
    place: PlainText({ minLength: 1, maxLength: 200 }),
    minutes: Minutes(1),
  },
  { additionalProperties: false },
);

export const SessionListQuerySchema = Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) }, { additionalProperties: false });

export const MinutesCorrectionSchema = Type.Object({ minutes: Minutes(0), reason: Reason }, { additionalProperties: false });

export const RemovalSchema = Type.Object({ reason: Reason }, { additionalProperties: false });

export const NewAttendanceSchema = Type.Object({ lawyer: PlainText({ minLength: 1, maxLength: 64, description: 'licence number (执业证号) or login' }) }, { additionalProperties: false });

export const SheetFileSchema = Type.Object(
  {
    csv: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000_000, description: 'the sheet as CSV text (UTF-8; a BOM is fine)' })),
    xlsx: Type.Optional(Type.String({ minLength: 1, maxLength: 4_000_000, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'the bytes of an .xlsx workbook, base64' })),
  },
  { additionalProperties: false },
);

// ── answers ──

export const SessionSchema = Type.Object({
  id: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  title: Type.String(),
  heldOn: Type.String({ description: 'the date in Beijing, YYYY-MM-DD' }),
  place: Type.String(),
  minutes: Type.Integer({ description: 'what each attendance credits unless corrected on its own' }),
  classHours: Type.Number(),
  minutesPerClassHour: Type.Integer(),
  attendees: Type.Integer({ description: 'attendances not removed' }),
  createdBy: PersonRefSchema,
  createdAt: Type.String(),
});

export const SessionListSchema = Type.Object({ year: Type.Integer(), from: Type.String(), to: Type.String(), minutesPerClassHour: Type.Integer(), items: Type.Array(SessionSchema) });

export const AttendanceSchema = Type.Object({
  id: Type.String(),
  lawyer: Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Nullable(Type.String()), firm: Type.String() }),
  minutes: Type.Integer({ description: 'credited now: its own minutes, else the session’s; 0 once removed' }),
  ownMinutes: Nullable(Type.Integer({ description: 'set by a correction of this attendance' })),
  source: Type.Union([Type.Literal('form'), Type.Literal('sheet')]),
  recordedBy: PersonRefSchema,
  recordedAt: Type.String(),
  removedAt: Nullable(Type.String()),
  removedBy: PersonRefSchema,
});

export const CorrectionSchema = Type.Object({
  id: Type.String(),
  attendanceId: Nullable(Type.String()),
  lawyer: PersonRefSchema,
  kind: Type.Union([Type.Literal('session_minutes'), Type.Literal('attendance_minutes'), Type.Literal('attendance_removed')]),
  minutesBefore: Type.Integer(),
  minutesAfter: Nullable(Type.Integer()),
  reason: Type.String(),
  correctedBy: PersonRefSchema,
  correctedAt: Type.String(),
});

export const SessionDetailSchema = Type.Object({ ...SessionSchema.properties, attendances: Type.Array(AttendanceSchema), corrections: Type.Array(CorrectionSchema) });

/** Why a line of a sign-in sheet (or the file) cannot be taken (server/inperson/sign-in.ts, service.ts). */
export const SHEET_PROBLEM_CODES = [
  'file_unreadable',
  'file_empty',
  'no_rows',
  'too_many_rows',
  'license_format',
  'license_numeric',
  'license_duplicate',
  'license_unknown',
  'outside_organization',
  'not_a_lawyer',
  'already_attending',
] as const;

export const SheetProblemSchema = Type.Object({
  row: Type.Integer({ description: 'line in the file; 0 for the file as a whole' }),
  code: Type.Enum(SHEET_PROBLEM_CODES),
  value: Type.Optional(Type.String({ description: 'the licence number as written (when the problem is one row’s)' })),
  message: Type.String(),
});

export const SheetPreviewSchema = Type.Object({
  session: Type.Object({ id: Type.String(), title: Type.String() }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  headerRow: Type.Integer(),
  total: Type.Integer({ description: 'licence numbers read from the sheet' }),
  matched: Type.Array(Type.Object({ row: Type.Integer(), licenseNo: Type.String(), userId: Type.String(), name: Type.String(), firm: Type.String() }), { description: 'the lawyers the import would record, by line' }),
  problems: Type.Array(SheetProblemSchema, { description: 'every line it cannot take; any one of them and the import takes none' }),
});

export const SheetImportSchema = Type.Object({ added: Type.Integer(), session: Type.Object({ id: Type.String(), attendees: Type.Integer() }) });

export const BadSheetSchema = Type.Object({ error: Type.String(), message: Type.String(), problems: Type.Optional(Type.Array(SheetProblemSchema)) });

export type NewInPersonSession = Static<typeof NewSessionSchema>;
export type SheetFile = Static<typeof SheetFileSchema>;
export type PersonRef = Static<typeof PersonRefSchema>;
export type InPersonSession = Static<typeof SessionSchema>;
export type InPersonSessionList = Static<typeof SessionListSchema>;
export type InPersonAttendance = Static<typeof AttendanceSchema>;
export type InPersonCorrection = Static<typeof CorrectionSchema>;
export type InPersonSessionDetail = Static<typeof SessionDetailSchema>;
export type SignInSheetProblem = Static<typeof SheetProblemSchema>;
export type SheetProblemCode = SignInSheetProblem['code'];
export type SignInSheetPreview = Static<typeof SheetPreviewSchema>;
export type SignInSheetImport = Static<typeof SheetImportSchema>;
