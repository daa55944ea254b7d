/**
 * Who issues a certificate, and an association's certificate settings: the signer's name and
 * title and the seal image (docs/credit.md, "Certificates"). The issuer of a course's certificate
 * is the association that owns the course (the nearest association above it when a firm owns
 * it). Each change is locked on the organization row and written to the audit log in the same
 * transaction.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { forbidden, HttpError } from '../http/errors.ts';
import { IssuerRepository, type IssuerSettings } from './issuer-repository.ts';
import type { OrganizationRow, OrganizationsRepository } from './repository.ts';
import type { CertificateSettings, SignerChange } from './schemas.ts';
import { checkSeal } from './seal.ts';

export interface Issuer {
  organizationId: string;
  name: string;
  signerName: string | null;
  signerTitle: string | null;
  /** the seal's public link (changes with the image), or null without one */
  sealUrl: string | null;
}

/** The public link of an association's seal; `v` makes each image its own cacheable URL. */
export const sealUrl = (organizationId: string, sha256: string) => `/api/organizations/${organizationId}/seal?v=${sha256.slice(0, 16)}`;

/** The issuing association in an organization's ancestor chain (itself first): the first that is not a firm. */
export function issuingOrganization(chain: OrganizationRow[]): OrganizationRow | undefined {
  return chain.find((o) => o.kind !== 'firm') ?? chain[0];
}

/** A name or title as typed: trimmed; empty means "none". */
const cleaned = (v: string | null | undefined) => (v == null ? v : v.trim() === '' ? null : v.trim());

const auditState = (s: IssuerSettings) => ({
  signerName: s.signerName,
  signerTitle: s.signerTitle,
  seal: s.seal ? { sha256: s.seal.sha256, bytes: s.seal.bytes, contentType: s.seal.contentType } : null,
});

export class IssuerService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly issuers: IssuerRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** The association that issues certificates of courses owned by `courseOrganizationId`, with its signer and seal. */
  async issuerFor(courseOrganizationId: string): Promise<Issuer | null> {
    const org = issuingOrganization(await this.organizations.ancestors(courseOrganizationId));
    if (!org) return null;
    const settings = await this.issuers.settings(org.id);
    return {
      organizationId: org.id,
      name: org.name,
      signerName: settings.signerName,
      signerTitle: settings.signerTitle,
      sealUrl: settings.seal ? sealUrl(org.id, settings.seal.sha256) : null,
    };
  }

  sealImage(organizationId: string) {
    return this.issuers.sealImage(organizationId);
  }

  async view(user: SessionUser, organizationId: string): Promise<CertificateSettings> {
    const org = await this.association(user, organizationId);
    return this.viewOf(org, await this.issuers.settings(org.id));
  }

  async update(user: SessionUser, organizationId: string, input: SignerChange, ip: string): Promise<CertificateSettings> {
    const values: { signerName?: string | null; signerTitle?: string | null } = {};
    if (input.signerName !== undefined) values.signerName = cleaned(input.signerName);
    if (input.signerTitle !== undefined) values.signerTitle = cleaned(input.signerTitle);
    return this.change(user, organizationId, values, ip);
  }

  /** A new seal image (base64 of a PNG or JPEG up to 200 kB, checked by its bytes), or null to remove it. */
  async setSeal(user: SessionUser, organizationId: string, base64: string | null, ip: string): Promise<CertificateSettings> {
    await this.association(user, organizationId); // a stranger learns nothing about the file
    const seal = base64 === null ? null : checkSeal(base64);
    return this.change(user, organizationId, { seal }, ip);
  }

  private async change(user: SessionUser, organizationId: string, values: Parameters<IssuerRepository['save']>[1], ip: string) {
    const org = await this.association(user, organizationId);
    const after = await this.organizations.transaction(async (repo, tx) => {
      // one change of an organization's settings at a time: the audit "before" is the real one
      if (!(await repo.lockForChange(org.id))) throw forbidden();
      const issuers = new IssuerRepository(tx);
      const before = await issuers.settings(org.id);
      const next = await issuers.save(org.id, values);
      const was = auditState(before);
      const now = auditState(next);
      if (JSON.stringify(was) !== JSON.stringify(now)) {
        await AuditLog.record(tx, { actor: user, action: 'organization.certificate_settings_changed', organizationId: org.id, targetType: 'organization', targetId: org.id, before: was, after: now, ip });
      }
      return next;
    });
    return this.viewOf(org, after);
  }

  private viewOf(org: OrganizationRow, s: IssuerSettings): CertificateSettings {
    return {
      organizationId: org.id,
      name: org.name,
      signerName: s.signerName,
      signerTitle: s.signerTitle,
      seal: s.seal ? { contentType: s.seal.contentType, bytes: s.seal.bytes, url: sealUrl(org.id, s.seal.sha256) } : null,
      updatedAt: s.updatedAt ? s.updatedAt.toISOString() : null,
    };
  }

  /** An association the caller administers (or one above it); firms issue no certificates. */
  private async association(user: SessionUser, organizationId: string): Promise<OrganizationRow> {
    const [org] = await this.access.assertRole(user, organizationId, 'admin');
    if (!org) throw forbidden();
    if (org.kind === 'firm') throw new HttpError(400, 'firm_not_issuer', 'Certificates are issued by associations, not by law firms: a firm has no certificate settings.');
    return org;
  }
}
