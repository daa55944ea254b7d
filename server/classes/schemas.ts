/** TypeBox shapes of the training classes' answers (server/classes/routes.ts); the web imports their types. */
import { Type, type Static } from 'typebox';
import { PlainText } from '../http/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ClassKindSchema = Type.Union([Type.Literal('demonstration'), Type.Literal('provincial'), Type.Literal('firm_directors'), Type.Literal('other')], {
  description: 'demonstration: 示范培训班; provincial: 全省培训班; firm_directors: 律所主任培训班; other',
});

const Uuid = Type.String({ format: 'uuid' });
const BeijingDate = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });

/** What creating a class sends (POST), and with `expectedUpdatedAt` what replacing it sends (PUT). */
export const ClassBodySchema = Type.Object(
  {
    name: PlainText({ minLength: 1, maxLength: 200 }),
    organizer: PlainText({ minLength: 1, maxLength: 200, description: 'the organizer named on the class (主办单位)' }),
    kind: ClassKindSchema,
    opensOn: BeijingDate('the first day, Beijing, YYYY-MM-DD'),
    closesOn: BeijingDate('the last day (the deadline), Beijing, YYYY-MM-DD'),
    courseIds: Type.Array(Uuid, { maxItems: 200, description: 'published courses, in order' }),
    sessionIds: Type.Array(Uuid, { maxItems: 200, description: 'in-person sessions held by the organization or below it' }),
    organizationIds: Type.Array(Uuid, { maxItems: 500, description: 'target organizations (the organization or below it): every lawyer of their subtrees is enrolled' }),
    lawyers: Type.Array(PlainText({ minLength: 1, maxLength: 64 }), { maxItems: 5000, description: 'licence numbers (执业证号) of lawyers enrolled one by one' }),
  },
  { additionalProperties: false },
);

export const ClassUpdateBodySchema = Type.Object(
  {
    ...ClassBodySchema.properties,
    expectedUpdatedAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'the `updatedAt` of the class as the editor loaded it: if someone saved the class since, nothing is saved and the answer is 409 class_changed (without it, the last save wins)',
      }),
    ),
  },
  { additionalProperties: false },
);

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
/** GET /api/organizations/:orgId/training-classes */
export const ClassListSchema = Type.Object({ items: Type.Array(ClassSummarySchema) });

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
export type TrainingClassBody = Static<typeof ClassBodySchema>;
export type TrainingClassUpdate = Static<typeof ClassUpdateBodySchema>;
export type TrainingClassSummary = Static<typeof ClassSummarySchema>;
export type TrainingClassList = Static<typeof ClassListSchema>;
export type TrainingClassDetail = Static<typeof ClassDetailSchema>;
export type TrainingClassReport = Static<typeof ClassReportSchema>;
export type MyTrainingClass = Static<typeof MyClassSchema>;
export type MyTrainingClasses = Static<typeof MyClassesSchema>;
