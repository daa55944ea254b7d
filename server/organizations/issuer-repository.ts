/**
 * The only code that touches `certificate_issuers`: an association's certificate signer and seal
 * (docs/credit.md, "Certificates"). The seal bytes live in the row (bytea, at most 200 kB), read
 * only by the seal route and the PDF; every other query leaves them out.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { dateOf, rowsOf } from '../db/rows.ts';
import type { SealContentType } from './seal.ts';

export interface IssuerSettings {
  organizationId: string;
  signerName: string | null;
  signerTitle: string | null;
  seal: { contentType: SealContentType; sha256: string; bytes: number } | null;
  updatedAt: Date | null;
}

export const noIssuerSettings = (organizationId: string): IssuerSettings => ({ organizationId, signerName: null, signerTitle: null, seal: null, updatedAt: null });

function toSettings(r: Record<string, unknown>): IssuerSettings {
  return {
    organizationId: String(r.organization_id),
    signerName: (r.signer_name as string | null) ?? null,
    signerTitle: (r.signer_title as string | null) ?? null,
    seal: r.seal_sha256 ? { contentType: r.seal_content_type as SealContentType, sha256: String(r.seal_sha256), bytes: Number(r.seal_bytes) } : null,
    updatedAt: dateOf(r.updated_at),
  };
}

const COLUMNS = sql`organization_id, signer_name, signer_title, seal_content_type, seal_sha256, octet_length(seal) AS seal_bytes, updated_at`;

export class IssuerRepository {
  constructor(private readonly db: DbOrTx) {}

  async settings(organizationId: string): Promise<IssuerSettings> {
    const rows = rowsOf<Record<string, unknown>>(await this.db.execute(sql`SELECT ${COLUMNS} FROM certificate_issuers WHERE organization_id = ${organizationId}`));
    return rows[0] ? toSettings(rows[0]) : noIssuerSettings(organizationId);
  }

  /** Signer fields as given (undefined leaves one alone); `seal` null removes it, undefined keeps it. */
  async save(
    organizationId: string,
    values: { signerName?: string | null; signerTitle?: string | null; seal?: { bytes: Buffer; contentType: SealContentType; sha256: string } | null },
  ): Promise<IssuerSettings> {
    const has = (v: unknown) => (v === undefined ? sql`false` : sql`true`);
    const seal = values.seal;
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        INSERT INTO certificate_issuers AS i (organization_id, signer_name, signer_title, seal, seal_content_type, seal_sha256, updated_at)
        VALUES (${organizationId}, ${values.signerName ?? null}, ${values.signerTitle ?? null}, ${seal?.bytes ?? null}, ${seal?.contentType ?? null}, ${seal?.sha256 ?? null}, now())
        ON CONFLICT (organization_id) DO UPDATE SET
          signer_name = CASE WHEN ${has(values.signerName)} THEN EXCLUDED.signer_name ELSE i.signer_name END,
          signer_title = CASE WHEN ${has(values.signerTitle)} THEN EXCLUDED.signer_title ELSE i.signer_title END,
          seal = CASE WHEN ${has(seal)} THEN EXCLUDED.seal ELSE i.seal END,
          seal_content_type = CASE WHEN ${has(seal)} THEN EXCLUDED.seal_content_type ELSE i.seal_content_type END,
          seal_sha256 = CASE WHEN ${has(seal)} THEN EXCLUDED.seal_sha256 ELSE i.seal_sha256 END,
          updated_at = now()
        RETURNING ${COLUMNS}`),
    );
    return toSettings(rows[0]!);
  }

  /** The seal image itself, for the public seal route and the PDF. */
  async sealImage(organizationId: string): Promise<{ bytes: Buffer; contentType: SealContentType; sha256: string } | null> {
    const rows = rowsOf<{ seal: Uint8Array | null; seal_content_type: SealContentType; seal_sha256: string }>(
      await this.db.execute(sql`SELECT seal, seal_content_type, seal_sha256 FROM certificate_issuers WHERE organization_id = ${organizationId} AND seal IS NOT NULL`),
    );
    const r = rows[0];
    if (!r?.seal) return null;
    return { bytes: toBuffer(r.seal), contentType: r.seal_content_type, sha256: r.seal_sha256 };
  }
}

/** postgres-js hands bytea back as a Buffer, PGlite as a Uint8Array; a '\x…' text if a parser was skipped. */
function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string' && v.startsWith('\\x')) return Buffer.from(v.slice(2), 'hex');
  throw new Error('certificate_issuers.seal: unexpected value from the driver');
}
