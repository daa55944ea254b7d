import { boolean, customType, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

export const organizationKind = pgEnum('organization_kind', ['national', 'province', 'city', 'firm']);

/** The association tree: national → province → city → law firm. */
export const organizations = pgTable(
  'organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    parentId: uuid('parent_id').references((): AnyPgColumn => organizations.id, { onDelete: 'restrict' }),
    kind: organizationKind('kind').notNull(),
    name: text('name').notNull(),
    /** GB/T 2260 administrative division code, six digits */
    regionCode: text('region_code').notNull(),
    /** a firm in a county-level town */
    county: boolean('county').notNull().default(false),
    /** minutes in one 学时 (class hour); null inherits from the parent, 45 at the root */
    minutesPerClassHour: integer('minutes_per_class_hour'),
    /** month (1–12) the training year starts in; null inherits, January at the root */
    trainingYearStartMonth: integer('training_year_start_month'),
    /**
     * what a lawyer owes in a year and how it is pro-rated (server/requirements/rules.ts); null
     * inherits from the parent, the built-in default at the root
     */
    requirementRules: jsonb('requirement_rules'),
    /** a closed organization takes no new lawyers or staff; its history and evidence stay */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('organizations_parent_idx').on(t.parentId)],
);

/** Raw bytes; postgres-js hands back a Buffer, PGlite a Uint8Array. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/**
 * What an association's certificates carry besides its name (docs/credit.md, "Certificates"):
 * the signer and the seal image. Its own table, so the seal's bytes (up to 200 kB) never ride
 * along with the organization rows every access check reads.
 */
export const certificateIssuers = pgTable('certificate_issuers', {
  organizationId: uuid('organization_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'restrict' }),
  signerName: text('signer_name'),
  signerTitle: text('signer_title'),
  /** PNG or JPEG, at most 200 kB, checked by its bytes (server/organizations/seal.ts) */
  seal: bytea('seal'),
  sealContentType: text('seal_content_type'),
  /** hex SHA-256 of the seal: its public link changes with it, so the link can be cached for good */
  sealSha256: text('seal_sha256'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
