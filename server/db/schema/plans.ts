import { integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { courses } from './catalog.ts';

/** A yearly training plan set by an association for the firms below it. */
export const trainingPlans = pgTable(
  'training_plans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
    year: integer('year').notNull(),
    name: text('name').notNull(),
    requiredMinutes: integer('required_minutes').notNull(),
    /** 选修: credited minutes from courses that are not required (必修) the plan also asks for */
    electiveMinutes: integer('elective_minutes').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('training_plans_org_year_name').on(t.organizationId, t.year, t.name)],
);

/** Organizations whose lawyers the plan targets (subtrees); none = the plan owner's subtree. */
export const trainingPlanTargets = pgTable(
  'training_plan_targets',
  {
    planId: uuid('plan_id').notNull().references(() => trainingPlans.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id').notNull().references(() => organizations.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.planId, t.organizationId] })],
);

export const trainingPlanCourses = pgTable(
  'training_plan_courses',
  {
    planId: uuid('plan_id').notNull().references(() => trainingPlans.id, { onDelete: 'cascade' }),
    courseId: uuid('course_id').notNull().references(() => courses.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.planId, t.courseId] })],
);
