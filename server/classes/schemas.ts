/** TypeBox shapes of the training classes' answers (server/classes/routes.ts); the web imports their types. */
import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ClassKindSchema = Type.Union([Type.Literal('demonstration'), Type.Literal('provincial'), Type.Literal('firm_directors'), Type.Literal('other')], {
  description: 'demonstration: 示范培训班; provincial: 全省培训班; firm_directors: 律所主任培训班; other',
});

export const ClassSchema = Type.Object({
  id: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }, { description: 'the organization that owns the class (who administers it)' }),
  name: Type.String(),
  organizer: Type.String({ description: 'the organizer named on the class (主办单位)' }),
  kind: ClassKindSchema,
  opensOn: Type.String({ description: 'Beijing date, YYYY-MM-DD' }),
  closesOn: Type.String({ description: 'Beijing date, YYYY-MM-DD, inclusive: the deadline' }),
  phase: Type.Union([Type.Literal('upcoming'), Type.Literal('open'), Type.Literal('closed')]),
  createdBy: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CourseRef = Type.Object({ id: Type.String(), title: Type.String() });
const SessionRef = Type.Object({ id: Type.String(), title: Type.String(), heldOn: Type.String(), minutes: Type.Integer() });

export const ClassSummarySchema = Type.Object({ ...ClassSchema.properties, courses: Type.Integer(), sessions: Type.Integer(), enrolled: Type.Integer() });

export const ClassDetailSchema = Type.Object({
  ...ClassSchema.properties,
  courses: Type.Array(CourseRef),
  sessions: Type.Array(SessionRef),
  organizations: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'target organizations: every lawyer of their subtrees is enrolled' }),
  lawyers: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Type.String(), firm: Type.String() }), { description: 'lawyers enrolled one by one' }),
  enrolled: Type.Integer({ description: 'lawyers enrolled, both ways, without disabled accounts' }),
});

export const ClassReportRowSchema = Type.Object({
  lawyer: Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Type.String(), firm: Type.String() }),
  coursesDone: Type.Integer(),
  sessionsAttended: Type.Integer(),
  done: Type.Integer(),
  total: Type.Integer(),
  minutes: Type.Integer({ description: 'minutes credited for the class’s courses and sessions' }),
  started: Type.Boolean(),
  completed: Type.Boolean(),
  completedAt: Nullable(Type.String()),
  certificateSerial: Nullable(Type.String()),
});

export const ClassReportSchema = Type.Object({
  class: Type.Object({ ...ClassSchema.properties, courses: Type.Array(CourseRef), sessions: Type.Array(SessionRef) }),
  minutesPerClassHour: Type.Integer(),
  totals: Type.Object({ enrolled: Type.Integer(), started: Type.Integer(), completed: Type.Integer(), minutes: Type.Integer(), classHours: Type.Number() }),
  rows: Type.Array(ClassReportRowSchema),
});

export const MyClassSchema = Type.Object({
  ...ClassSchema.properties,
  courses: Type.Array(Type.Object({ ...CourseRef.properties, done: Type.Boolean() })),
  sessions: Type.Array(Type.Object({ ...SessionRef.properties, attended: Type.Boolean() })),
  total: Type.Integer(),
  done: Type.Integer(),
  minutes: Type.Integer(),
  classHours: Type.Number(),
  completed: Type.Boolean(),
  certificate: Nullable(Type.Object({ id: Type.String(), serial: Type.String(), code: Type.String(), issuedAt: Type.String(), pdfUrl: Type.String() })),
});

export const MyClassesSchema = Type.Object({ minutesPerClassHour: Type.Integer(), items: Type.Array(MyClassSchema) });

export type TrainingClassKind = Static<typeof ClassKindSchema>;
export type TrainingClassSummary = Static<typeof ClassSummarySchema>;
export type TrainingClassDetail = Static<typeof ClassDetailSchema>;
export type TrainingClassReport = Static<typeof ClassReportSchema>;
export type MyTrainingClass = Static<typeof MyClassSchema>;
export type MyTrainingClasses = Static<typeof MyClassesSchema>;
