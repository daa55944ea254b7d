import { sql } from 'drizzle-orm';
import type { SqlRunner } from '../db/runner.ts';

export interface CertificateRow {
  id: string;
  serial: string;
  code: string;
  userId: string;
  courseId: string;
  holderName: string;
  courseTitle: string;
  creditMinutes: number;
  issuedAt: Date;
  /** the holder's licence number (执业证号), when they have one */
  licenseNo: string | null;
  /** the holder's firm */
  organizationId: string;
  /** the organization that owns the course: its association issues the certificate */
  courseOrganizationId: string;
}

function toRow(r: Record<string, unknown>): CertificateRow {
  return {
    id: String(r.id),
    serial: String(r.serial),
    code: String(r.code),
    userId: String(r.user_id),
    courseId: String(r.course_id),
    holderName: String(r.holder_name),
    courseTitle: String(r.course_title),
    creditMinutes: Number(r.credit_minutes),
    issuedAt: r.issued_at instanceof Date ? r.issued_at : new Date(String(r.issued_at)),
    licenseNo: (r.license_no as string | null) ?? null,
    organizationId: String(r.organization_id),
    courseOrganizationId: String(r.course_organization_id),
  };
}

const SELECT = sql`SELECT c.*, u.license_no, u.organization_id, co.organization_id AS course_organization_id FROM certificates c JOIN users u ON u.id = c.user_id JOIN courses co ON co.id = c.course_id`;

export class CertificatesRepository {
  constructor(private readonly runner: SqlRunner) {}

  async nextSerialNumber(): Promise<number> {
    const rows = await this.runner.run(sql`SELECT nextval('certificate_serial_seq') AS n`);
    return Number((rows as { n: unknown }[])[0]!.n);
  }

  /** Inserts the certificate unless the user already holds one for the course; returns the one that exists. */
  async insert(values: { serial: string; code: string; userId: string; courseId: string; creditMinutes: number; issuedAt: Date }): Promise<CertificateRow> {
    await this.runner.run(sql`
      INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes, issued_at)
      SELECT ${values.serial}, ${values.code}, u.id, c.id, u.name, c.title, ${values.creditMinutes}, ${values.issuedAt.toISOString()}::timestamptz
      FROM users u, courses c WHERE u.id = ${values.userId} AND c.id = ${values.courseId}
      ON CONFLICT (user_id, course_id) DO NOTHING`);
    return (await this.forUserCourse(values.userId, values.courseId))!;
  }

  async forUserCourse(userId: string, courseId: string): Promise<CertificateRow | null> {
    const rows = await this.runner.run(sql`${SELECT} WHERE c.user_id = ${userId} AND c.course_id = ${courseId}`);
    const r = rows[0];
    return r ? toRow(r) : null;
  }

  async byCode(code: string): Promise<CertificateRow | null> {
    const rows = await this.runner.run(sql`${SELECT} WHERE c.code = ${code}`);
    const r = rows[0];
    return r ? toRow(r) : null;
  }

  async byId(id: string): Promise<CertificateRow | null> {
    const rows = await this.runner.run(sql`${SELECT} WHERE c.id = ${id}`);
    const r = rows[0];
    return r ? toRow(r) : null;
  }

  async ofUser(userId: string): Promise<CertificateRow[]> {
    const rows = await this.runner.run(sql`${SELECT} WHERE c.user_id = ${userId} ORDER BY c.issued_at DESC`);
    return rows.map(toRow);
  }
}
