/**
 * Certificates: issued once when a lawyer completes a course (inside the heartbeat's transaction),
 * verified by anyone with the code, downloaded as PDF by the holder.
 */
import { randomInt } from 'node:crypto';
import { forbidden, notFound } from '../http/errors.ts';
import type { SessionUser } from '../auth/access.ts';
import { shanghaiYear } from '../playback/credit.ts';
import type { Issuer } from '../organizations/issuer-service.ts';
import type { CertificateRow, CertificatesRepository } from './repository.ts';
import type { CertificateVerification } from './schemas.ts';

/** Base32 without the look-alikes 0/O and 1/I: codes are read off paper and typed in. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 10;

/** An unguessable verification code: 10 symbols of 32 = 50 bits from the CSPRNG. */
export function newVerificationCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** LC-2026-000123: the Shanghai calendar year of issue and a number that never repeats. */
export function formatSerial(issuedAt: Date, n: number): string {
  return `LC-${shanghaiYear(issuedAt)}-${String(n).padStart(6, '0')}`;
}

/** Codes are shown in groups and typed in any case; accept that. */
export function normalizeCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

/** What the verification page shows of a class certificate (server/classes/repository.ts). */
export interface ClassCertificateFacts {
  serial: string;
  holderName: string;
  className: string;
  creditMinutes: number;
  issuedAt: Date;
  classOrganizationId: string;
}

export class CertificatesService {
  constructor(
    private readonly repo: CertificatesRepository,
    /** the issuing association of a course's certificates (server/organizations/issuer-service.ts) */
    private readonly issuerOf: (courseOrganizationId: string) => Promise<Issuer | null> = async () => null,
    /** a training class's certificate by its code (server/classes): verified at the same page */
    private readonly classCertificateOf: (code: string) => Promise<ClassCertificateFacts | undefined> = async () => undefined,
  ) {}

  /** Issues the course certificate once; called inside the transaction that completed the course. */
  async issue(userId: string, courseId: string, creditMinutes: number, at: Date): Promise<CertificateRow> {
    const existing = await this.repo.forUserCourse(userId, courseId);
    if (existing) return existing;
    const serial = formatSerial(at, await this.repo.nextSerialNumber());
    return this.repo.insert({ serial, code: newVerificationCode(), userId, courseId, creditMinutes, issuedAt: at });
  }

  async verify(code: string): Promise<CertificateVerification> {
    const normalized = normalizeCode(code);
    const wellFormed = /^[0-9A-Z]{1,32}$/.test(normalized);
    const cert = wellFormed ? await this.repo.byCode(normalized) : null;
    if (!cert) {
      const ofClass = wellFormed ? await this.classCertificateOf(normalized) : undefined;
      if (!ofClass) throw notFound('The certificate');
      const issuer = await this.issuerOf(ofClass.classOrganizationId);
      return {
        valid: true as const,
        kind: 'class' as const,
        holder: ofClass.holderName,
        course: ofClass.className,
        creditMinutes: ofClass.creditMinutes,
        issuedAt: ofClass.issuedAt.toISOString(),
        serial: ofClass.serial,
        issuer: issuer ? { name: issuer.name, signer: issuer.signerName, signerTitle: issuer.signerTitle, sealUrl: issuer.sealUrl } : null,
      };
    }
    const issuer = await this.issuerOf(cert.courseOrganizationId);
    return {
      valid: true as const,
      kind: 'course' as const,
      holder: cert.holderName,
      course: cert.courseTitle,
      creditMinutes: cert.creditMinutes,
      issuedAt: cert.issuedAt.toISOString(),
      serial: cert.serial,
      issuer: issuer ? { name: issuer.name, signer: issuer.signerName, signerTitle: issuer.signerTitle, sealUrl: issuer.sealUrl } : null,
    };
  }

  /** The holder's own certificate (403 for anyone else's). */
  async ownCertificate(user: SessionUser, certificateId: string): Promise<CertificateRow> {
    const cert = await this.repo.byId(certificateId);
    if (!cert) throw notFound('The certificate');
    if (cert.userId !== user.id) throw forbidden('This certificate belongs to someone else');
    return cert;
  }

  listOwn(user: SessionUser): Promise<CertificateRow[]> {
    return this.repo.ofUser(user.id);
  }
}
