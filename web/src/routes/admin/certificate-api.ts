/** An association's certificate signer and seal (server/organizations/issuer-routes.ts). */
import { api } from '../../lib/api/browser.ts';

const enc = encodeURIComponent;

export interface CertificateSettings {
  organizationId: string;
  name: string;
  signerName: string | null;
  signerTitle: string | null;
  seal: { contentType: string; bytes: number; url: string } | null;
  updatedAt: string | null;
}

/** The server's limit (server/organizations/seal.ts); checked here too so a slow line does not carry a file it will refuse. */
export const SEAL_MAX_BYTES = 200 * 1024;

export function fetchCertificateSettings(orgId: string): Promise<CertificateSettings> {
  return api.request('GET', `/api/organizations/${enc(orgId)}/certificate-settings`);
}

export function saveSigner(orgId: string, values: { signerName: string | null; signerTitle: string | null }): Promise<CertificateSettings> {
  return api.request('PATCH', `/api/organizations/${enc(orgId)}/certificate-settings`, { body: values });
}

/** `image`: the file as a data: URL (FileReader) or bare base64. */
export function uploadSeal(orgId: string, image: string): Promise<CertificateSettings> {
  return api.request('PUT', `/api/organizations/${enc(orgId)}/certificate-settings/seal`, { body: { image } });
}

export function removeSeal(orgId: string): Promise<CertificateSettings> {
  return api.request('DELETE', `/api/organizations/${enc(orgId)}/certificate-settings/seal`);
}
