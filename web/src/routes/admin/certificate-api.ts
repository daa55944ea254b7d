/** An association's certificate signer and seal (server/organizations/issuer-routes.ts). */
import { api } from '../../lib/api/browser.ts';
import type { ApiClient } from '../../lib/api/client.ts';
import type { CertificateSettings, SealUpload, SignerChange } from '../../../../server/organizations/schemas.ts';

const enc = encodeURIComponent;

// The settings' shapes come from their route schemas (server/organizations/schemas.ts), type-only.
export type { CertificateSettings, SealUpload, SignerChange };

/** The server's limit (server/organizations/seal.ts); checked here too so a slow line does not carry a file it will refuse. */
export const SEAL_MAX_BYTES = 200 * 1024;

/** The certificate settings routes for any client (the web's `api`, a test's client). */
export function certificateApi(client: ApiClient) {
  return {
    settings: (orgId: string): Promise<CertificateSettings> => client.request('GET', `/api/organizations/${enc(orgId)}/certificate-settings`),
    /** audited; the same values again write nothing */
    saveSigner: (orgId: string, values: SignerChange): Promise<CertificateSettings> =>
      client.request('PATCH', `/api/organizations/${enc(orgId)}/certificate-settings`, { body: values }),
    /** `image`: a data: URL or bare base64; 400 seal_not_image / seal_unreadable / seal_not_base64 / seal_too_large / firm_not_issuer */
    uploadSeal: (orgId: string, image: string): Promise<CertificateSettings> => client.request('PUT', `/api/organizations/${enc(orgId)}/certificate-settings/seal`, { body: { image } satisfies SealUpload }),
    removeSeal: (orgId: string): Promise<CertificateSettings> => client.request('DELETE', `/api/organizations/${enc(orgId)}/certificate-settings/seal`),
  };
}

export function fetchCertificateSettings(orgId: string): Promise<CertificateSettings> {
  return certificateApi(api).settings(orgId);
}

export function saveSigner(orgId: string, values: { signerName: string | null; signerTitle: string | null }): Promise<CertificateSettings> {
  return certificateApi(api).saveSigner(orgId, values);
}

/** `image`: the file as a data: URL (FileReader) or bare base64. */
export function uploadSeal(orgId: string, image: string): Promise<CertificateSettings> {
  return certificateApi(api).uploadSeal(orgId, image);
}

export function removeSeal(orgId: string): Promise<CertificateSettings> {
  return certificateApi(api).removeSeal(orgId);
}
