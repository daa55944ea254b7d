/**
 * Who is signed in, read from GET /api/me. `user` is undefined while unknown, null when
 * nobody is signed in. The shell redirects to /login when a page needs a user and it is null.
 */
import { api } from './api/browser.ts';
import { ApiError } from './api/client.ts';
import type { Me, RoleName } from './api/types.ts';
import { USER_HINT_KEY } from './player/early-start.ts';

let user = $state.raw<Me | null | undefined>(undefined);
/** set when /api/me could not be reached (offline), so the shell can offer a retry */
let unreachable = $state.raw(false);

export const session = {
  get user(): Me | null | undefined {
    return user;
  },
  get unreachable(): boolean {
    return unreachable;
  },
  hasRole(role: RoleName): boolean {
    return !!user && user.roles.some((grant) => grant.role === role);
  },
};

export async function refreshSession(): Promise<void> {
  try {
    user = await api.me();
    unreachable = false;
    rememberUser(user.id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      user = null;
      unreachable = false;
      rememberUser(null);
    } else {
      // Offline or server down: keep what we knew (undefined at start) rather than
      // pretending nobody is signed in; the shell offers a retry.
      unreachable = true;
    }
  }
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } finally {
    user = null;
    rememberUser(null);
  }
}

/** A page got 401 from the API: the session expired, so the shell sends the user to /login. */
export function sessionExpired(): void {
  user = null;
  rememberUser(null);
}

/**
 * Who this device last saw signed in: the lecture page opens its session before /api/me answers
 * when that user has no heartbeats waiting (lib/player/early-start.ts).
 */
function rememberUser(id: string | null): void {
  try {
    if (id) window.localStorage.setItem(USER_HINT_KEY, id);
    else window.localStorage.removeItem(USER_HINT_KEY);
  } catch {
    // storage blocked: the lecture page opens its session after /api/me
  }
}
