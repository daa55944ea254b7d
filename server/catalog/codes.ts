/**
 * The course category and audience codes, written once: the database enum (`course_category`,
 * server/db/schema/catalog.ts), the route schemas (schemas.ts) and the web's pickers
 * (web/src/lib/api/types.ts) all take these lists. No imports on purpose: the web bundles this
 * file as a value, so it must pull in nothing of the server. Their names live in the message
 * catalogs (`category.<code>`, `audience.<code>`).
 */

/** The course categories of DESIGN.md; changing this list needs a migration of the `course_category` enum. */
export const CATEGORY_CODES = [
  'criminal',
  'civil_commercial',
  'administrative',
  'investment_enterprise',
  'labour_employment',
  'social_security',
  'medical_disputes',
  'housing_real_estate',
  'practice_management',
  'ethics_regulation',
] as const;

/** Who a course is for (`courses.audience`, a text array). */
export const AUDIENCE_CODES = ['county_lawyers', 'firm_directors', 'young_lawyers'] as const;

export type CategoryCode = (typeof CATEGORY_CODES)[number];
export type AudienceCode = (typeof AUDIENCE_CODES)[number];
