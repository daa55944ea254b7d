/**
 * The zh-CN message catalog: the first language of Lectern and the source of the key set.
 * `{name}` marks a parameter. Keep keys grouped by page; every visible string lives here.
 */
const zhCN = {
  'app.name': '讲坛 Lectern',
  'app.skipToContent': '跳到正文',
  'app.loading': '加载中…',
  'app.retry': '重试',
  'app.reload': '重新加载',
  'app.error.network': '网络连接失败，请检查网络后重试。',
  'app.error.generic': '出错了：{message}',
  'app.error.forbidden': '您没有权限查看此内容。',
  'app.error.pageLoad': '页面加载失败，网络可能中断了。',
  'app.building': '此页面正在建设中，将在后续版本中提供。',

  'nav.label': '主导航',
  'nav.courses': '课程',
  'nav.me': '我的学习',
  'nav.teach': '授课',
  'nav.admin': '管理',
  'nav.login': '登录',
  'nav.logout': '退出',
  'nav.signedInAs': '当前用户：{name}',

  'lang.label': '语言',
  'lang.zh-CN': '中文',
  'lang.en': 'English',

  'title.login': '登录',
  'title.courses': '课程目录',
  'title.course': '课程',
  'title.lecture': '观看讲座',
  'title.me': '我的学习',
  'title.admin': '管理',
  'title.teach': '授课',
  'title.verify': '证书验证',
  'title.notFound': '页面不存在',

  'login.heading': '登录讲坛',
  'login.login': '账号',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.error.invalid': '账号或密码不正确。',
  'login.error.tooMany': '登录尝试次数过多，请稍等一分钟后再试。',
  'login.error.missing': '请填写账号和密码。',

  'courses.heading': '课程目录',
  'courses.search': '搜索课程',
  'courses.searchPlaceholder': '课程名称或关键词',
  'courses.searchSubmit': '搜索',
  'courses.category': '分类',
  'courses.allCategories': '全部分类',
  'courses.total': '共 {total} 门课程',
  'courses.empty': '没有找到符合条件的课程。',
  'courses.lectureCount': '{count} 讲',
  'courses.creditMinutes': '学时 {minutes} 分钟',

  'pager.label': '分页',
  'pager.previous': '上一页',
  'pager.next': '下一页',
  'pager.status': '第 {page} / {pages} 页',

  'course.back': '返回课程目录',
  'course.lectures': '课程章节',
  'course.noLectures': '本课程还没有讲座。',
  'course.position': '第 {position} 讲',
  'course.duration': '时长 {duration}',
  'course.durationUnknown': '时长待定',
  'course.creditMinutes': '学时 {minutes} 分钟',
  'course.play': '观看',
  'course.notFound': '课程不存在或尚未发布。',

  'courseStatus.draft': '草稿',
  'courseStatus.published': '已发布',
  'courseStatus.archived': '已归档',

  'lectureStatus.uploading': '上传中',
  'lectureStatus.processing': '转码中',
  'lectureStatus.ready': '可观看',
  'lectureStatus.failed': '处理失败',

  'lecture.building': '播放器正在建设中，将在下一期提供。',
  'lecture.id': '讲座编号：{id}',

  'verify.code': '验证码：{code}',

  'admin.organizations': '我管理的组织',
  'admin.none': '您没有可管理的组织。',
  'admin.county': '县域',
  'admin.region': '行政区划代码 {code}',

  'orgKind.national': '全国律协',
  'orgKind.province': '省级律协',
  'orgKind.city': '市级律协',
  'orgKind.firm': '律师事务所',

  'notFound.body': '找不到这个页面。',
  'notFound.home': '返回课程目录',

  'category.criminal': '刑事',
  'category.civil_commercial': '民商事',
  'category.administrative': '行政与政府法律顾问',
  'category.investment_enterprise': '投资与企业',
  'category.labour_employment': '劳动与用工',
  'category.social_security': '社会保障',
  'category.medical_disputes': '医疗纠纷',
  'category.housing_real_estate': '住房与房地产',
  'category.practice_management': '律所管理',
  'category.ethics_regulation': '职业道德与执业规范',

  'audience.county_lawyers': '县域律师',
  'audience.firm_directors': '律所主任',
  'audience.young_lawyers': '青年律师',
} as const;

export type CatalogSource = typeof zhCN;
export type MessageKey = keyof CatalogSource;
/** What every other catalog must provide: the same keys, any text. */
export type Messages = { readonly [K in MessageKey]: string };

export default zhCN satisfies Messages;
