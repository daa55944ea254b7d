/**
 * The organization routes' contract (API.md "Audit" and "Administration"), pure TypeBox: the
 * routes validate and document with these, the service is typed from them, and the web imports
 * the `Static<…>` types with `import type` (erased: nothing of the server is bundled).
 */
import { Type, type Static } from 'typebox';
import { PlainText, Uuid } from '../http/schemas.ts';

export const OrganizationKindSchema = Type.Union([Type.Literal('national'), Type.Literal('province'), Type.Literal('city'), Type.Literal('firm')]);
const ClosedAt = Type.Union([Type.String(), Type.Null()], { description: 'when the organization was closed (ISO 8601); null while open' });

export const OrganizationNodeSchema = Type.Cyclic(
  {
    OrgNode: Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: OrganizationKindSchema,
      regionCode: Type.String(),
      county: Type.Boolean(),
      closedAt: ClosedAt,
      children: Type.Array(Type.Ref('OrgNode')),
    }),
  },
  'OrgNode',
);

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: OrganizationKindSchema,
  regionCode: Type.String(),
  county: Type.Boolean(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  closedAt: ClosedAt,
});

// Any six characters pass the schema; the service answers 400 invalid_region_code with a sentence.
const RegionCode = Type.String({ maxLength: 12, description: 'GB/T 2260, six digits: province NN0000, city NNNN00, firm its county’s or city’s code' });
const Name = PlainText({ minLength: 1, maxLength: 100 });

export const NewOrganizationSchema = Type.Object(
  {
    parentId: Uuid,
    name: Name,
    kind: OrganizationKindSchema,
    regionCode: RegionCode,
    county: Type.Optional(Type.Boolean({ description: 'a firm in a county-level town; false when left out' })),
  },
  { additionalProperties: false },
);

export const OrganizationChangeSchema = Type.Object(
  {
    name: Type.Optional(Name),
    parentId: Type.Optional(Uuid),
    regionCode: Type.Optional(RegionCode),
    county: Type.Optional(Type.Boolean()),
    closed: Type.Optional(Type.Boolean({ description: 'true closes, false reopens' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type OrganizationKind = Static<typeof OrganizationKindSchema>;
/** One node of an administered tree (GET /api/organizations). */
export type OrganizationNode = Static<typeof OrganizationNodeSchema>;
/** An organization as every organization route answers it: API.md's shape and when it was closed. */
export type Organization = Static<typeof OrganizationSchema>;
/** POST /api/organizations */
export type NewOrganization = Static<typeof NewOrganizationSchema>;
/** PATCH /api/organizations/:orgId: any of the fields */
export type OrganizationChange = Static<typeof OrganizationChangeSchema>;
