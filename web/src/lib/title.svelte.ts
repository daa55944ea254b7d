/**
 * The page's own name for <title> (e.g. a course title). The shell adds "· 讲坛 Lectern", falls
 * back to the route's catalog title, and clears this on every navigation.
 */
let custom = $state.raw<string | null>(null);

export function setPageTitle(title: string | null): void {
  custom = title;
}

export function pageTitle(): string | null {
  return custom;
}
