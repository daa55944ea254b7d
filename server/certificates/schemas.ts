/**
 * The certificate routes' answers (API.md "Audit", docs/credit.md "Certificates"), pure TypeBox:
 * the routes document with them, CertificatesService answers their Static types, and the web
 * imports them with `import type`.
 */
import { Type, type Static } from 'typebox';

export const CertificateIssuerSchema = Type.Union([
  Type.Object({
    name: Type.String({ description: 'the issuing association: the one that owns the course' }),
    signer: Type.Union([Type.String(), Type.Null()]),
    signerTitle: Type.Union([Type.String(), Type.Null()]),
    sealUrl: Type.Union([Type.String(), Type.Null()], { description: 'the seal image (PNG or JPEG), public; null when the association has none' }),
  }),
  Type.Null(),
]);

export const CertificateVerificationSchema = Type.Object({
  valid: Type.Literal(true),
  kind: Type.Union([Type.Literal('course'), Type.Literal('class')], { description: 'a course certificate, or a training class’s (培训班; `course` then holds the class’s name)' }),
  holder: Type.String(),
  course: Type.String(),
  creditMinutes: Type.Integer(),
  issuedAt: Type.String(),
  serial: Type.String(),
  issuer: CertificateIssuerSchema,
});

export const MyCertificateSchema = Type.Object({
  id: Type.String(),
  serial: Type.String(),
  code: Type.String(),
  courseId: Type.String(),
  course: Type.String(),
  creditMinutes: Type.Integer(),
  issuedAt: Type.String(),
  pdfUrl: Type.String(),
  verifyUrl: Type.String(),
});

/** GET /api/me/certificates */
export const MyCertificateListSchema = Type.Array(MyCertificateSchema);

/** GET /api/certificates/verify/:code (public) */
export type CertificateVerification = Static<typeof CertificateVerificationSchema>;
export type CertificateIssuer = Static<typeof CertificateIssuerSchema>;
/** one of GET /api/me/certificates */
export type MyCertificate = Static<typeof MyCertificateSchema>;
/** GET /api/me/certificates */
export type MyCertificateList = Static<typeof MyCertificateListSchema>;
