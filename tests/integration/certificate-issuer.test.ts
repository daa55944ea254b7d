/**
 * The issuing association on certificates (docs/credit.md, "Certificates"): an administrator sets
 * the signer and uploads a seal (PNG or JPEG, at most 200 kB, checked by its bytes), each change
 * audited; /api/certificates/verify/:code names the course's association with its signer and seal
 * link; the PDF carries the seal image and the association's name. On PostgreSQL and PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, signedInClient, type TestClient } from '../helpers/http.ts';
import { certificateApi } from '../../web/src/routes/admin/certificate-api.ts';
import { makeJpeg, noisePng, sealPng } from '../helpers/images.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { rowsOf } from '../../server/db/rows.ts';

const b64 = (bytes: Buffer) => bytes.toString('base64');

/** The bytes of a GET (the typed client reads text, which would mangle a PDF or an image). */
async function bytesOf(server: TestServer, client: TestClient | null, path: string) {
  const response = await fetch(`${server.baseUrl}${path}`, { headers: client ? { cookie: client.jar.header() ?? '' } : {} });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** How pdfkit writes a non-ASCII string in the info dictionary: UTF-16BE with a BOM, PDF-escaped. */
function pdfInfoString(text: string): Buffer {
  const utf16be = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  const escapes: Record<number, string> = { 0x0a: 'n', 0x0d: 'r', 0x09: 't', 0x08: 'b', 0x0c: 'f', 0x28: '(', 0x29: ')', 0x5c: '\\' };
  const out: number[] = [];
  for (const byte of utf16be) {
    if (escapes[byte] !== undefined) out.push(0x5c, escapes[byte]!.charCodeAt(0));
    else out.push(byte);
  }
  return Buffer.from([0x28, ...out, 0x29]);
}

describe.each(availableBackends())('certificate issuer on %s', (backend) => {
  let server: TestServer;
  let admin: TestClient;
  let adminSc: TestClient;
  let lawyer: TestClient;
  let code = '';
  let certificateId = '';
  let firmCode = '';

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const demo = server.demo!;
    admin = await signedInClient(server.baseUrl, 'admin', 'lectern-demo');
    adminSc = await signedInClient(server.baseUrl, 'admin-sc', 'lectern-demo');
    lawyer = await signedInClient(server.baseUrl, 'lawyer', 'lectern-demo');
    const q = async (query: ReturnType<typeof sql>) => rowsOf<Record<string, unknown>>(await server.deps.db.execute(query));
    // 李明 holds the demo course's certificate (the national association's course) …
    certificateId = (await q(sql`
      INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes)
      VALUES ('LC-2026-900001', 'ISSUERTEST', ${demo.users.lawyer}, ${demo.courseId}, '李明', '刑事辩护实务', 60) RETURNING id`))[0]!.id as string;
    code = 'ISSUERTEST';
    // … and one of a course his firm runs: a firm issues nothing, its city association does
    await q(sql`UPDATE courses SET organization_id = ${demo.santaiFirm} WHERE id = ${demo.draftCourseId}`);
    await q(sql`
      INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes)
      VALUES ('LC-2026-900002', 'FIRMCOURSE', ${demo.users.lawyer}, ${demo.draftCourseId}, '李明', '所内课程', 30)`);
    firmCode = 'FIRMCOURSE';
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  it('before any settings, verify names the issuing association, without signer or seal', async () => {
    const anonymous = createTestClient(server.baseUrl);
    expect(await anonymous.expectStatus(200, anonymous.verifyCertificate(code))).toMatchObject({ valid: true, holder: '李明', course: '刑事辩护实务', creditMinutes: 60, issuer: { name: '中华全国律师协会', signer: null, signerTitle: null, sealUrl: null } });
    expect((await anonymous.verifyCertificate(firmCode)).issuer!.name).toBe('绵阳市律师协会');
  });

  it('an administrator sets the signer and uploads a PNG seal; verify shows both and the seal loads', async () => {
    const national = server.demo!.national;
    expect(await admin.expectStatus(200, certificateApi(admin).saveSigner(national, { signerName: ' 王俊峰 ', signerTitle: '会长' }))).toMatchObject({ name: '中华全国律师协会', signerName: '王俊峰', signerTitle: '会长', seal: null });

    const png = sealPng(120);
    const seal = (await admin.expectStatus(200, certificateApi(admin).uploadSeal(national, `data:image/png;base64,${b64(png)}`))).seal!;
    expect(seal).toMatchObject({ contentType: 'image/png', bytes: png.length });

    const verify = await createTestClient(server.baseUrl).verifyCertificate(code);
    expect(verify.issuer).toEqual({ name: '中华全国律师协会', signer: '王俊峰', signerTitle: '会长', sealUrl: seal.url });

    const image = await bytesOf(server, null, seal.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toContain('immutable');
    expect(image.bytes.equals(png)).toBe(true);
  });

  it('refuses what is not a PNG or JPEG, a damaged one and one over 200 kB, with a code the catalogs name', async () => {
    const national = server.demo!.national;
    const put = (image: string) => errorOf(certificateApi(admin).uploadSeal(national, image));
    const cases: [string, string][] = [
      [b64(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), 'seal_not_image'],
      [b64(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')), 'seal_not_image'],
      [b64(Buffer.concat([sealPng(40).subarray(0, 8), Buffer.from('not really a png')])), 'seal_unreadable'],
      ['!!!not base64!!!', 'seal_not_base64'],
      [b64(noisePng(260, 260)), 'seal_too_large'],
    ];
    for (const [image, error] of cases) {
      const refused = await put(image);
      expect([refused.status, refused.code], error).toEqual([400, error]);
    }
    expect((await certificateApi(admin).settings(national)).seal!.bytes).toBe(sealPng(120).length);
  });

  it('403 for another province’s administrator and for an association above; 400 for a firm', async () => {
    const { gansu, national, sichuan, santaiFirm } = server.demo!;
    const png = b64(sealPng(60));
    for (const orgId of [gansu, national]) {
      expect((await errorOf(certificateApi(adminSc).uploadSeal(orgId, png))).status).toBe(403);
      expect((await errorOf(certificateApi(adminSc).saveSigner(orgId, { signerName: 'x' }))).status).toBe(403);
      expect((await errorOf(certificateApi(adminSc).settings(orgId))).status).toBe(403);
    }
    expect((await errorOf(certificateApi(lawyer).uploadSeal(sichuan, png))).status).toBe(403);
    await adminSc.expectStatus(200, certificateApi(adminSc).uploadSeal(sichuan, png));
    const firm = await errorOf(certificateApi(adminSc).uploadSeal(santaiFirm, png));
    expect([firm.status, firm.code]).toEqual([400, 'firm_not_issuer']);
  });

  it('every change is one audit entry with before and after; saving the same values writes none', async () => {
    const national = server.demo!.national;
    const entries = async () =>
      (await admin.auditLog(national, { limit: 200 })).items.filter(
        (e) => e.action === 'organization.certificate_settings_changed' && e.organizationId === national,
      );
    const [sealEntry, signerEntry] = await entries();
    expect(signerEntry).toMatchObject({ actor: { login: 'admin' }, before: { signerName: null, signerTitle: null, seal: null }, after: { signerName: '王俊峰', signerTitle: '会长', seal: null } });
    expect(sealEntry).toMatchObject({ before: { signerName: '王俊峰', seal: null }, after: { seal: { contentType: 'image/png', bytes: sealPng(120).length } } });
    expect(String((sealEntry!.after!.seal as { sha256: string }).sha256)).toMatch(/^[0-9a-f]{64}$/);

    const count = (await entries()).length;
    await admin.expectStatus(200, certificateApi(admin).saveSigner(national, { signerName: '王俊峰' }));
    expect((await entries()).length).toBe(count);
    // Sichuan's administrator reads Sichuan's entry, not the national one
    const sc = await adminSc.auditLog(server.demo!.sichuan);
    expect(sc.items.filter((e) => e.action === 'organization.certificate_settings_changed')).toHaveLength(1);
  });

  it('the PDF carries the seal image and names the association', async () => {
    const national = server.demo!.national;
    const jpeg = await makeJpeg(96, 96, 'red');
    await admin.expectStatus(200, certificateApi(admin).uploadSeal(national, b64(jpeg)));
    const pdf = await bytesOf(server, lawyer, `/api/me/certificates/${certificateId}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // pdfkit embeds a JPEG as it is (DCTDecode): the seal's bytes are in the file verbatim
    expect(pdf.bytes.includes(jpeg)).toBe(true);
    // the association's name: the content stream draws glyph ids, so check the document's author
    expect(pdf.bytes.includes(pdfInfoString('中华全国律师协会'))).toBe(true);
    console.info('[certificate-issuer] PDF text itself not checked: no PDF text extractor (pdftotext, pdf-parse) is installed; checked the embedded JPEG and the Author entry instead');
  });

  it('removing the seal takes it off verify and the seal link', async () => {
    const national = server.demo!.national;
    const before = await certificateApi(admin).settings(national);
    expect((await admin.expectStatus(200, certificateApi(admin).removeSeal(national))).seal).toBeNull();
    const verify = await createTestClient(server.baseUrl).verifyCertificate(code);
    expect(verify.issuer).toMatchObject({ sealUrl: null, signer: '王俊峰' });
    expect((await bytesOf(server, null, before.seal!.url)).status).toBe(404);
  });
});
