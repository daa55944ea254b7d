/**
 * The demo of API.md "Demo data": seeded on an empty embedded database only. Production starts
 * (DATABASE_URL set) never call this, so there are no default passwords there.
 *
 * This is the core demo — the tree's first rows, the five logins and one course — and all that
 * a test server starts with (tests count on it staying this small). A real first start, where the
 * embedded transcoder makes the demo media, adds the province on top of it (province.ts, through
 * media.ts prepareWaitingDemoLectures).
 */
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { courses, lectures, organizations, users } from '../db/schema/index.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { AuthRepository, type Role } from '../auth/repository.ts';
import { AuthService } from '../auth/service.ts';
import { CatalogRepository } from '../catalog/repository.ts';

export const DEMO_PASSWORD = 'lectern-demo';

export const DEMO_ACCOUNTS = [
  { login: 'lawyer', zh: '四川县域律所的律师', en: 'a lawyer in a Sichuan county firm' },
  { login: 'lawyer2', zh: '甘肃县域律所的律师', en: 'a lawyer in a Gansu county firm' },
  { login: 'trainer', zh: '全国律协的讲师', en: 'a trainer of the national association' },
  { login: 'admin-sc', zh: '四川省律协管理员', en: 'administrator of the Sichuan provincial association' },
  { login: 'admin', zh: '全国律协管理员', en: 'administrator of the national association' },
] as const;

export interface DemoIds {
  national: string;
  sichuan: string;
  gansu: string;
  mianyang: string;
  tianshui: string;
  santaiFirm: string;
  mianyangCityFirm: string;
  ganguFirm: string;
  users: Record<(typeof DEMO_ACCOUNTS)[number]['login'], string>;
  courseId: string;
  lectureId: string;
  draftCourseId: string;
}

export async function isEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(organizations);
  const [u] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0) === 0 && Number(u?.n ?? 0) === 0;
}

/** Seeds organizations, accounts and a published course whose lecture waits for its media. */
export async function seedDemo(db: Db): Promise<DemoIds> {
  return db.transaction(async (tx) => {
    const orgs = new OrganizationsRepository(tx);
    const auth = new AuthService(new AuthRepository(tx), { attemptsPerMinute: 10 });
    const authRepo = new AuthRepository(tx);
    const catalog = new CatalogRepository(tx);

    const national = await orgs.insert({ kind: 'national', name: '中华全国律师协会', regionCode: '100000', minutesPerClassHour: 45, trainingYearStartMonth: 1 });
    const sichuan = await orgs.insert({ kind: 'province', name: '四川省律师协会', regionCode: '510000', parentId: national.id });
    const gansu = await orgs.insert({ kind: 'province', name: '甘肃省律师协会', regionCode: '620000', parentId: national.id });
    const mianyang = await orgs.insert({ kind: 'city', name: '绵阳市律师协会', regionCode: '510700', parentId: sichuan.id });
    const tianshui = await orgs.insert({ kind: 'city', name: '天水市律师协会', regionCode: '620500', parentId: gansu.id });
    const santaiFirm = await orgs.insert({ kind: 'firm', name: '三台县明理律师事务所', regionCode: '510722', county: true, parentId: mianyang.id });
    const mianyangCityFirm = await orgs.insert({ kind: 'firm', name: '绵阳涪城正衡律师事务所', regionCode: '510703', county: false, parentId: mianyang.id });
    const ganguFirm = await orgs.insert({ kind: 'firm', name: '甘谷县渭水律师事务所', regionCode: '620523', county: true, parentId: tianshui.id });

    const people: { login: (typeof DEMO_ACCOUNTS)[number]['login']; name: string; org: string; licenseNo: string | null; roles: [string, Role][] }[] = [
      { login: 'lawyer', name: '李明', org: santaiFirm.id, licenseNo: '15107202110000001', roles: [] },
      { login: 'lawyer2', name: '王芳', org: ganguFirm.id, licenseNo: '16205202210000002', roles: [] },
      { login: 'trainer', name: '张教授', org: national.id, licenseNo: null, roles: [[national.id, 'trainer']] },
      { login: 'admin-sc', name: '陈主任', org: sichuan.id, licenseNo: null, roles: [[sichuan.id, 'admin']] },
      { login: 'admin', name: '赵秘书长', org: national.id, licenseNo: null, roles: [[national.id, 'admin']] },
    ];
    const ids = {} as DemoIds['users'];
    for (const p of people) {
      const user = await auth.createUser({ login: p.login, name: p.name, password: DEMO_PASSWORD, organizationId: p.org, licenseNo: p.licenseNo });
      for (const [orgId, role] of p.roles) await authRepo.grantRole(user.id, orgId, role);
      ids[p.login] = user.id;
    }

    const course = await catalog.insertCourse({
      organizationId: national.id,
      title: '县域律师刑事辩护实务',
      summary: '面向县域律师的刑事辩护基本功：会见、阅卷、证据审查与庭审发问。演示课程。',
      category: 'criminal',
      audience: ['county_lawyers', 'young_lawyers'],
      status: 'published',
      publishedAt: new Date(),
      createdBy: ids.trainer,
    });
    const lecture = await catalog.insertLecture({ courseId: course.id, position: 1, title: '第一讲：会见与阅卷要点', status: 'processing' });
    const draft = await catalog.insertCourse({
      organizationId: national.id,
      title: '劳动争议案件办理（草稿）',
      summary: '尚未发布的课程，讲师可以继续编辑。',
      category: 'labour_employment',
      audience: ['county_lawyers'],
      status: 'draft',
      createdBy: ids.trainer,
    });

    return {
      national: national.id,
      sichuan: sichuan.id,
      gansu: gansu.id,
      mianyang: mianyang.id,
      tianshui: tianshui.id,
      santaiFirm: santaiFirm.id,
      mianyangCityFirm: mianyangCityFirm.id,
      ganguFirm: ganguFirm.id,
      users: ids,
      courseId: course.id,
      lectureId: lecture.id,
      draftCourseId: draft.id,
    };
  });
}

/**
 * The ids of the core demo in a database it was seeded into earlier (they are not stored): the
 * five logins, their organizations, and the trainer's first published and first draft course.
 * Meant for a database holding the core demo only (what seedProvince builds on): once the province
 * adds its courses, "the first published course" is no longer the core one. Null when the
 * database does not hold the core demo (another install, or it was taken apart).
 */
export async function findDemo(db: DbOrTx): Promise<DemoIds | null> {
  const logins = DEMO_ACCOUNTS.map((a) => a.login);
  const people = await db.select({ id: users.id, login: users.login, organizationId: users.organizationId }).from(users).where(inArray(users.login, logins));
  const byLogin = new Map(people.map((p) => [p.login, p]));
  if (logins.some((login) => !byLogin.has(login))) return null;
  const orgs = await db.select({ id: organizations.id, parentId: organizations.parentId, regionCode: organizations.regionCode }).from(organizations);
  const parentOf = (id: string | undefined) => orgs.find((o) => o.id === id)?.parentId ?? undefined;
  const santaiFirm = byLogin.get('lawyer')!.organizationId;
  const ganguFirm = byLogin.get('lawyer2')!.organizationId;
  const mianyang = parentOf(santaiFirm);
  const tianshui = parentOf(ganguFirm);
  const gansu = parentOf(tianshui);
  const mianyangCityFirm = orgs.find((o) => o.parentId === mianyang && o.regionCode === '510703')?.id;
  const trainer = byLogin.get('trainer')!.id;
  const first = async (status: 'published' | 'draft') =>
    (await db.select({ id: courses.id }).from(courses).where(and(eq(courses.createdBy, trainer), eq(courses.status, status))).orderBy(asc(courses.createdAt)).limit(1))[0]?.id;
  const courseId = await first('published');
  const draftCourseId = await first('draft');
  const lectureId = courseId
    ? (await db.select({ id: lectures.id }).from(lectures).where(eq(lectures.courseId, courseId)).orderBy(asc(lectures.position)).limit(1))[0]?.id
    : undefined;
  if (!mianyang || !tianshui || !gansu || !mianyangCityFirm || !courseId || !draftCourseId || !lectureId) return null;
  return {
    national: byLogin.get('trainer')!.organizationId,
    sichuan: byLogin.get('admin-sc')!.organizationId,
    gansu,
    mianyang,
    tianshui,
    santaiFirm,
    mianyangCityFirm,
    ganguFirm,
    users: Object.fromEntries(people.map((p) => [p.login, p.id])) as DemoIds['users'],
    courseId,
    lectureId,
    draftCourseId,
  };
}
