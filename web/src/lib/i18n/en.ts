/** The English catalog. Its type comes from zh-CN, so a missing or extra key is a type error. */
import type { Messages } from './zh-CN.ts';

const en: Messages = {
  'app.name': 'Lectern 讲坛',
  'app.skipToContent': 'Skip to content',
  'app.loading': 'Loading…',
  'app.retry': 'Try again',
  'app.reload': 'Reload',
  'app.error.network': 'No connection. Check the network and try again.',
  'app.error.generic': 'Something went wrong: {message}',
  'app.error.forbidden': 'You are not allowed to see this.',
  'app.error.pageLoad': 'The page could not be loaded; the connection may have dropped.',
  'app.building': 'This page is being built and comes in a later release.',

  'nav.label': 'Main navigation',
  'nav.courses': 'Courses',
  'nav.me': 'My learning',
  'nav.teach': 'Teach',
  'nav.admin': 'Admin',
  'nav.login': 'Sign in',
  'nav.logout': 'Sign out',
  'nav.signedInAs': 'Signed in as {name}',

  'lang.label': 'Language',
  'lang.zh-CN': '中文',
  'lang.en': 'English',

  'title.login': 'Sign in',
  'title.courses': 'Course catalog',
  'title.course': 'Course',
  'title.lecture': 'Watch lecture',
  'title.me': 'My learning',
  'title.admin': 'Admin',
  'title.teach': 'Teach',
  'title.verify': 'Certificate check',
  'title.notFound': 'Page not found',

  'login.heading': 'Sign in to Lectern',
  'login.login': 'Login',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.error.invalid': 'Wrong login or password.',
  'login.error.tooMany': 'Too many sign-in attempts. Wait a minute and try again.',
  'login.error.missing': 'Enter your login and password.',

  'courses.heading': 'Course catalog',
  'courses.search': 'Search courses',
  'courses.searchPlaceholder': 'Title or keyword',
  'courses.searchSubmit': 'Search',
  'courses.category': 'Category',
  'courses.allCategories': 'All categories',
  'courses.total': '{total} courses',
  'courses.empty': 'No course matches.',
  'courses.lectureCount': '{count} lectures',
  'courses.creditMinutes': '{minutes} credit minutes',

  'pager.label': 'Pages',
  'pager.previous': 'Previous',
  'pager.next': 'Next',
  'pager.status': 'Page {page} of {pages}',

  'course.back': 'Back to the catalog',
  'course.lectures': 'Lectures',
  'course.noLectures': 'This course has no lectures yet.',
  'course.position': 'Lecture {position}',
  'course.duration': 'Duration {duration}',
  'course.durationUnknown': 'Duration not known yet',
  'course.creditMinutes': '{minutes} credit minutes',
  'course.play': 'Watch',
  'course.notFound': 'This course does not exist or is not published.',

  'courseStatus.draft': 'Draft',
  'courseStatus.published': 'Published',
  'courseStatus.archived': 'Archived',

  'lectureStatus.uploading': 'Uploading',
  'lectureStatus.processing': 'Processing',
  'lectureStatus.ready': 'Ready',
  'lectureStatus.failed': 'Failed',

  'lecture.building': 'The player is being built and comes in the next release.',
  'lecture.id': 'Lecture id: {id}',

  'verify.code': 'Code: {code}',

  'admin.organizations': 'Organizations I administer',
  'admin.none': 'You administer no organization.',
  'admin.county': 'County',
  'admin.region': 'Region code {code}',

  'orgKind.national': 'National association',
  'orgKind.province': 'Provincial association',
  'orgKind.city': 'City association',
  'orgKind.firm': 'Law firm',

  'notFound.body': 'There is no page here.',
  'notFound.home': 'Back to the catalog',

  'category.criminal': 'Criminal',
  'category.civil_commercial': 'Civil and commercial',
  'category.administrative': 'Administrative and government advisory',
  'category.investment_enterprise': 'Investment and enterprise',
  'category.labour_employment': 'Labour and employment',
  'category.social_security': 'Social security',
  'category.medical_disputes': 'Medical disputes',
  'category.housing_real_estate': 'Housing and real estate',
  'category.practice_management': 'Practice management',
  'category.ethics_regulation': 'Ethics and regulation',

  'audience.county_lawyers': 'County lawyers',
  'audience.firm_directors': 'Firm directors',
  'audience.young_lawyers': 'Young lawyers',
};

export default en;
