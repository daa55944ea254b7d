/**
 * The route table: one entry per web route of API.md. Each page is its own chunk (dynamic
 * import), so the shell carries none of them and the player route alone pulls in hls.js.
 */
import type { MessageKey } from '../lib/i18n/zh-CN.ts';
import { matchPath, type Params } from '../lib/router.ts';
import type { PageComponent } from './types.ts';

export interface PageRoute {
  pattern: string;
  /** the page's name in <title> */
  title: Extract<MessageKey, `title.${string}`>;
  /** reachable without signing in */
  public?: boolean;
  /** tables and charts: the page takes the width of the screen instead of a reading column */
  wide?: boolean;
  load: () => Promise<{ default: PageComponent }>;
}

export interface RedirectRoute {
  pattern: string;
  redirect: string;
}

export type Route = PageRoute | RedirectRoute;

export const routes: Route[] = [
  { pattern: '/', redirect: '/courses' },
  { pattern: '/login', title: 'title.login', public: true, load: () => import('./login/LoginPage.svelte') },
  { pattern: '/courses', title: 'title.courses', load: () => import('./courses/CoursesPage.svelte') },
  { pattern: '/courses/:courseId', title: 'title.course', load: () => import('./course/CoursePage.svelte') },
  { pattern: '/lectures/:lectureId', title: 'title.lecture', load: () => import('./lecture/LecturePage.svelte') },
  { pattern: '/me', title: 'title.me', load: () => import('./me/MePage.svelte') },
  { pattern: '/password', title: 'title.password', load: () => import('./password/PasswordPage.svelte') },
  { pattern: '/admin', title: 'title.admin', wide: true, load: () => import('./admin/AdminPage.svelte') },
  { pattern: '/admin/lawyers/:userId/evidence', title: 'title.evidence', wide: true, load: () => import('./evidence/EvidencePage.svelte') },
  { pattern: '/mentoring', title: 'title.mentoring', load: () => import('./mentoring/MentoringPage.svelte') },
  { pattern: '/teach', title: 'title.teach', load: () => import('./teach/TeachPage.svelte') },
  { pattern: '/verify/:code', title: 'title.verify', public: true, load: () => import('./verify/VerifyPage.svelte') },
];

export const notFoundRoute: PageRoute = {
  pattern: '*',
  title: 'title.notFound',
  public: true,
  load: () => import('./not-found/NotFoundPage.svelte'),
};

export interface ResolvedRoute {
  route: Route;
  params: Params;
}

export function resolveRoute(pathname: string): ResolvedRoute {
  for (const route of routes) {
    const params = matchPath(route.pattern, pathname);
    if (params) return { route, params };
  }
  return { route: notFoundRoute, params: {} };
}
