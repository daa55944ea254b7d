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

/** GET /api/organizations: the trees the caller administers */
export const OrganizationTreesSchema = Type.Array(OrganizationNodeSchema);

// ── an association's certificate settings (issuer-routes.ts, docs/credit.md "Certificates") ──

const NullableText = <T extends ReturnType<typeof PlainText>>(schema: T) => Type.Union([schema, Type.Null()]);

export const CertificateSettingsSchema = Type.Object({
  organizationId: Type.String(),
  name: Type.String({ description: 'the association’s name, as certificates print it' }),
  signerName: Type.Union([Type.String(), Type.Null()]),
  signerTitle: Type.Union([Type.String(), Type.Null()]),
  seal: Type.Union([Type.Object({ contentType: Type.String(), bytes: Type.Integer(), url: Type.String() }), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
});

/** PATCH /api/organizations/:orgId/certificate-settings: either or both (null or empty: none) */
export const SignerChangeSchema = Type.Object(
  { signerName: Type.Optional(NullableText(PlainText({ maxLength: 40 }))), signerTitle: Type.Optional(NullableText(PlainText({ maxLength: 40 }))) },
  { additionalProperties: false, minProperties: 1 },
);

/** PUT /api/organizations/:orgId/certificate-settings/seal */
export const SealUploadSchema = Type.Object({ image: Type.String({ minLength: 1 }) }, { additionalProperties: false });

export type OrganizationKind = Static<typeof OrganizationKindSchema>;
/** One node of an administered tree (GET /api/organizations). */
export type OrganizationNode = Static<typeof OrganizationNodeSchema>;
/** An organization as every organization route answers it: API.md's shape and when it was closed. */
export type Organization = Static<typeof OrganizationSchema>;
/** POST /api/organizations */
export type NewOrganization = Static<typeof NewOrganizationSchema>;
/** PATCH /api/organizations/:orgId: any of the fields */
export type OrganizationChange = Static<typeof OrganizationChangeSchema>;
/** GET /api/organizations */
export type OrganizationTrees = Static<typeof OrganizationTreesSchema>;
/** GET/PATCH /api/organizations/:orgId/certificate-settings and its seal's PUT and DELETE */
export type CertificateSettings = Static<typeof CertificateSettingsSchema>;
export type SignerChange = Static<typeof SignerChangeSchema>;
export type SealUpload = Static<typeof SealUploadSchema>;
