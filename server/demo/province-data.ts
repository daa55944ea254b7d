/**
 * What the demo province is made of (data only): the cities and firms added to the core demo's
 * tree, the courses, and the pools names and devices are drawn from. Region codes are GB/T 2260
 * (a firm carries its county's or district's code, which starts with its city's four digits).
 */
import type { courseCategory } from '../db/schema/index.ts';

export type CityKey = 'mianyang' | 'nanchong' | 'chengdu' | 'tianshui';

/** Cities the province layer adds (绵阳 and 天水 come with the core demo). */
export const NEW_CITIES: readonly { key: Exclude<CityKey, 'mianyang' | 'tianshui'>; name: string; regionCode: string; province: 'sichuan' }[] = [
  { key: 'nanchong', name: '南充市律师协会', regionCode: '511300', province: 'sichuan' },
  { key: 'chengdu', name: '成都市律师协会', regionCode: '510100', province: 'sichuan' },
];

export type FirmKey =
  | 'santai'
  | 'fucheng'
  | 'yanting'
  | 'zitong'
  | 'shunqing'
  | 'nanbu'
  | 'yilong'
  | 'wuhou'
  | 'jintang'
  | 'gangu'
  | 'qinan'
  | 'qinzhou';

export interface FirmSpec {
  key: FirmKey;
  name: string;
  regionCode: string;
  /** in a county-level town (县): the report's county flag */
  county: boolean;
  city: CityKey;
  /** lawyers the province layer adds to the firm */
  lawyers: number;
  /** the firm's pull on its lawyers' progress (−1 … +1): some firms train more than others */
  drive: number;
  /** true for the firms the core demo already seeded */
  core?: true;
}

/** Sichuan: 6 county firms and 3 city firms; Gansu: 2 county firms and 1 city firm. */
export const FIRMS: readonly FirmSpec[] = [
  { key: 'santai', name: '三台县明理律师事务所', regionCode: '510722', county: true, city: 'mianyang', lawyers: 26, drive: 0.2, core: true },
  { key: 'fucheng', name: '绵阳涪城正衡律师事务所', regionCode: '510703', county: false, city: 'mianyang', lawyers: 40, drive: 0.3, core: true },
  { key: 'yanting', name: '盐亭县鹅溪律师事务所', regionCode: '510723', county: true, city: 'mianyang', lawyers: 16, drive: -0.2 },
  { key: 'zitong', name: '梓潼县七曲律师事务所', regionCode: '510725', county: true, city: 'mianyang', lawyers: 12, drive: 0.5 },
  { key: 'shunqing', name: '南充顺庆果城律师事务所', regionCode: '511302', county: false, city: 'nanchong', lawyers: 36, drive: 0 },
  { key: 'nanbu', name: '南部县升钟律师事务所', regionCode: '511321', county: true, city: 'nanchong', lawyers: 22, drive: -0.4 },
  { key: 'yilong', name: '仪陇县金城律师事务所', regionCode: '511324', county: true, city: 'nanchong', lawyers: 14, drive: 0.1 },
  { key: 'wuhou', name: '成都武侯锦官律师事务所', regionCode: '510107', county: false, city: 'chengdu', lawyers: 48, drive: 0.4 },
  { key: 'jintang', name: '金堂县淮州律师事务所', regionCode: '510121', county: true, city: 'chengdu', lawyers: 18, drive: -0.1 },
  { key: 'gangu', name: '甘谷县渭水律师事务所', regionCode: '620523', county: true, city: 'tianshui', lawyers: 20, drive: -0.2, core: true },
  { key: 'qinan', name: '秦安县陇城律师事务所', regionCode: '620522', county: true, city: 'tianshui', lawyers: 14, drive: 0 },
  { key: 'qinzhou', name: '天水秦州羲皇律师事务所', regionCode: '620502', county: false, city: 'tianshui', lawyers: 34, drive: 0.2 },
];

export const SICHUAN_CITIES: readonly CityKey[] = ['mianyang', 'nanchong', 'chengdu'];

export type CourseCategory = (typeof courseCategory.enumValues)[number];
export type Audience = 'county_lawyers' | 'firm_directors' | 'young_lawyers';

export type CourseKey = 'criminal' | 'ethics' | 'contract' | 'labour' | 'land' | 'administrative' | 'injury' | 'management' | 'medical' | 'enterprise';

export interface CourseSpec {
  key: CourseKey;
  title: string;
  summary: string;
  category: CourseCategory;
  audience: Audience[];
  /** who owns the course: the national association, or Sichuan's for the provincial topics */
  owner: 'national' | 'sichuan';
  lectures: string[];
  /** a required course (必修) of the Sichuan plan */
  required?: true;
  /** days before the training year it was published (the catalogue newest first: the core course) */
  publishedDaysBefore: number;
}

/**
 * The published catalogue, one course per category. 'criminal' is the core demo's course (its
 * first lecture is the core demo lecture); the province layer adds its second and third lectures.
 */
export const COURSES: readonly CourseSpec[] = [
  {
    key: 'criminal',
    title: '县域律师刑事辩护实务',
    summary: '面向县域律师的刑事辩护基本功：会见、阅卷、证据审查与庭审发问。演示课程。',
    category: 'criminal',
    audience: ['county_lawyers', 'young_lawyers'],
    owner: 'national',
    lectures: ['第一讲：会见与阅卷要点', '第二讲：证据审查与非法证据排除', '第三讲：庭审发问与辩护意见'],
    required: true,
    publishedDaysBefore: 3,
  },
  {
    key: 'ethics',
    title: '律师职业道德与执业纪律',
    summary: '结合《律师执业行为规范》和常见投诉案例，讲解律师与委托人、同行和法庭打交道的规矩，以及利益冲突审查和执业纪律处分的程序。',
    category: 'ethics_regulation',
    audience: ['county_lawyers', 'young_lawyers', 'firm_directors'],
    owner: 'national',
    lectures: ['第一讲：律师执业行为规范要点', '第二讲：利益冲突审查与投诉处理'],
    required: true,
    publishedDaysBefore: 40,
  },
  {
    key: 'contract',
    title: '合同纠纷案件代理实务',
    summary: '从立案前的合同审查到庭审举证，梳理买卖、借款、承揽等常见合同纠纷的代理思路，重点讲合同效力、违约责任和损失计算。',
    category: 'civil_commercial',
    audience: ['county_lawyers', 'young_lawyers'],
    owner: 'national',
    lectures: ['第一讲：合同效力的审查', '第二讲：违约责任与损失计算', '第三讲：买卖合同纠纷的举证'],
    publishedDaysBefore: 55,
  },
  {
    key: 'labour',
    title: '劳动人事争议仲裁与诉讼',
    summary: '围绕劳动关系认定、解除劳动合同和工资报酬三类高发争议，讲解仲裁前置、时效和举证责任，兼顾劳动者和用人单位两方的代理要点。',
    category: 'labour_employment',
    audience: ['county_lawyers', 'young_lawyers'],
    owner: 'national',
    lectures: ['第一讲：劳动关系的认定', '第二讲：解除劳动合同与经济补偿', '第三讲：仲裁时效与裁审衔接'],
    publishedDaysBefore: 70,
  },
  {
    key: 'land',
    title: '农村土地承包与宅基地纠纷',
    summary: '县域律师常办的涉农纠纷：土地承包经营权的流转和征收补偿，宅基地使用权的认定，以及农村房屋买卖合同的效力。',
    category: 'housing_real_estate',
    audience: ['county_lawyers'],
    owner: 'sichuan',
    lectures: ['第一讲：土地承包经营权纠纷', '第二讲：宅基地使用权与农村房屋买卖'],
    publishedDaysBefore: 25,
  },
  {
    key: 'administrative',
    title: '行政诉讼代理与政府法律顾问',
    summary: '讲解行政诉讼的受案范围、起诉期限和举证规则，以及律师担任乡镇、县级政府法律顾问时如何做合法性审查。',
    category: 'administrative',
    audience: ['county_lawyers', 'firm_directors'],
    owner: 'national',
    lectures: ['第一讲：行政诉讼的受案范围与起诉期限', '第二讲：担任政府法律顾问的工作方法'],
    publishedDaysBefore: 85,
  },
  {
    key: 'injury',
    title: '工伤认定与社会保险待遇',
    summary: '从工伤认定申请、劳动能力鉴定到工伤保险待遇的计算，讲解农民工工伤案件的证据收集和常见争议。',
    category: 'social_security',
    audience: ['county_lawyers'],
    owner: 'sichuan',
    lectures: ['第一讲：工伤认定的条件与程序', '第二讲：工伤保险待遇的计算'],
    publishedDaysBefore: 18,
  },
  {
    key: 'management',
    title: '县域律师事务所规范管理',
    summary: '写给县域律所主任：收案登记与利益冲突检索、收费与财务票据、业务档案管理，以及青年律师的带教。',
    category: 'practice_management',
    audience: ['firm_directors'],
    owner: 'national',
    lectures: ['第一讲：收案、收费与财务管理', '第二讲：业务档案管理与青年律师带教'],
    publishedDaysBefore: 100,
  },
  {
    key: 'medical',
    title: '医疗损害责任纠纷',
    summary: '讲解医疗损害责任纠纷中的过错认定、鉴定程序和赔偿项目，帮助律师代理患方或医疗机构。',
    category: 'medical_disputes',
    audience: ['county_lawyers', 'young_lawyers'],
    owner: 'national',
    lectures: ['第一讲：医疗损害鉴定的申请与质证', '第二讲：医疗损害赔偿的计算'],
    publishedDaysBefore: 120,
  },
  {
    key: 'enterprise',
    title: '中小企业常年法律顾问实务',
    summary: '县域中小企业的常年法律顾问怎么做：服务范围和收费方式、合同管理，以及用工合规中的常见问题。',
    category: 'investment_enterprise',
    audience: ['county_lawyers', 'firm_directors'],
    owner: 'national',
    lectures: ['第一讲：常年法律顾问的服务内容与合同', '第二讲：企业用工与合同风险防控'],
    publishedDaysBefore: 140,
  },
];

/** Common surnames, the commonest several times over so names come out in a realistic mix. */
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 10], ['李', 10], ['张', 9], ['刘', 8], ['陈', 8], ['杨', 6], ['黄', 5], ['赵', 4], ['周', 4], ['吴', 4],
  ['徐', 3], ['孙', 3], ['何', 4], ['罗', 4], ['胡', 3], ['郭', 3], ['马', 3], ['邓', 3], ['谢', 3], ['唐', 3],
  ['冯', 2], ['曾', 3], ['彭', 3], ['蒋', 3], ['袁', 2], ['向', 2], ['廖', 2], ['杜', 2], ['任', 2], ['苏', 2],
  ['魏', 2], ['程', 2], ['付', 2], ['汪', 1], ['田', 2], ['范', 1], ['宋', 2], ['龚', 1], ['严', 1], ['文', 2],
  ['蔡', 1], ['余', 2], ['钟', 1], ['雷', 1], ['姚', 1], ['母', 1], ['苟', 1], ['牟', 1], ['冉', 1], ['敬', 1],
  ['巩', 1], ['牛', 1], ['窦', 1], ['令狐', 1],
];

export const MALE_GIVEN: readonly string[] = [
  '伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '刚', '平', '辉', '鹏', '飞', '波', '宇', '浩', '凯', '健', '俊',
  '建华', '建国', '志强', '志刚', '海涛', '俊杰', '文博', '浩然', '子豪', '晓东', '国强', '永刚', '德明', '家豪', '天宇',
  '博文', '明轩', '思远', '正阳', '立新', '忠良', '成林', '光辉', '守信', '红军', '学文', '昌平', '远航', '一鸣', '卫东',
];

export const FEMALE_GIVEN: readonly string[] = [
  '芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '玲', '丹', '萍', '燕', '婷', '雪', '琳', '颖', '倩', '慧', '莉', '欣',
  '秀英', '桂英', '晓燕', '丽娟', '文静', '欣怡', '雅婷', '春梅', '玉兰', '海燕', '思雨', '雨欣', '佳慧', '梦瑶', '诗涵',
  '丽华', '小红', '秋菊', '晓梅', '美玲', '淑芬', '婧', '悦', '蕾', '瑶',
];

/** Browsers lawyers watch on, as their user agents read: office desktops and phones (often WeChat). */
export const DESKTOP_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92',
  'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.5359.95 Safari/537.36 QIHU 360SE',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
];

export const PHONE_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN',
  'Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36',
];
