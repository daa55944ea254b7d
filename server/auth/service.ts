import { hash, randomBytes } from 'node:crypto';
import { HttpError } from '../http/errors.ts';
import type { AttemptSource, AuthRepository, FailureCount, RecentFailures, UserRow } from './repository.ts';
import type { SessionUser } from './access.ts';
import { hashPassword, verifyPassword } from './password.ts';

const SESSION_DAYS = 30;

/** The one answer for a wrong login, a wrong password and a disabled account. */
export const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'The login or the password is wrong.');

/** crypto.hash in one call: about 0.35 µs against 1 µs for createHash().update().digest(), on every heartbeat */
export const hashToken = (token: string) => hash('sha256', token, 'base64url');

/** 429: the try was not checked. The route answers `retryAfterSeconds` as Retry-After. */
export class TooManyAttempts extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_attempts', 'Too many login attempts. Wait a minute and try again.');
  }
}

/** Whether a try may be checked, from the failures the limits count (docs/accounts.md, "The login limit"). */
type LimitDecision = { kind: 'allowed' } | { kind: 'refused'; retryAfterSeconds: number };

/**
 * The ceilings, with `limit` tries a minute: a stranger's browser is held to `limit` failures per
 * login and address and 5 × `limit` per address and per login, so neither one guesser nor a crowd
 * of addresses gets far. A browser that has logged in as this login before is held only to its
 * own `limit`: the shared ceilings are what an attacker can fill, and they must not lock the
 * owner out of it.
 */
export function loginLimitDecision(failures: RecentFailures, source: AttemptSource, limit: number, windowSeconds = 60): LimitDecision {
  const ceilings: [FailureCount, number][] =
    source.kind === 'device'
      ? [[failures.device, limit]]
      : [
          [failures.pair, limit],
          [failures.address, limit * 5],
          [failures.login, limit * 5],
        ];
  const reached = ceilings.filter(([count, ceiling]) => count.failures >= ceiling);
  if (reached.length === 0) return { kind: 'allowed' };
  // Again when every reached ceiling has room: for each, when its oldest failure leaves the minute
  // (a lower bound where more than one must leave; the next 429 then says how long is left).
  const seconds = Math.max(...reached.map(([count]) => count.clearsInSeconds));
  return { kind: 'refused', retryAfterSeconds: Math.min(windowSeconds, Math.max(1, seconds)) };
}

export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly options: { attemptsPerMinute: number; /** the window the limit counts in; a minute unless set */ windowSeconds?: number },
  ) {}

  private get windowSeconds(): number {
    return this.options.windowSeconds ?? 60;
  }

  /**
   * Checks the password and opens a session. Same 401 for unknown login and wrong password.
   * `deviceId`: the browser's id from a valid device cookie for this login (server/auth/cookie.ts).
   */
  async login(
    login: string,
    password: string,
    meta: { ip: string; userAgent?: string; deviceId?: string | null },
  ): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
    const user = await this.checkPassword(login, password, meta.ip, meta.deviceId);

    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await this.repo.insertSession({ tokenHash: hashToken(token), userId: user.id, expiresAt, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 500) });
    return { token, expiresAt, user: await this.sessionUser(user.id) as SessionUser };
  }

  /**
   * One password try under the login limit: login and "change my password" both go through here,
   * so neither can be used to guess a password faster than the other. A disabled account answers
   * like a wrong password. Answers the user on success; throws TooManyAttempts (429) or 401.
   *
   * The try is reserved before the password is hashed, in one transaction that holds the
   * address's and the login's advisory locks while it counts recent failures and inserts the
   * reservation (as a failure): parallel tries take turns there, so no more than the limit are
   * ever checked. The hash (tens of milliseconds) runs after the commit, holding no lock; a right
   * password turns its reservation into a success, which no ceiling counts.
   */
  async checkPassword(login: string, password: string, ip: string, deviceId?: string | null): Promise<UserRow> {
    const source: AttemptSource = deviceId ? { kind: 'device', ip, deviceId } : { kind: 'address', ip };
    const reservation = await this.repo.underLoginLimitLocks(login, source.kind === 'address' ? ip : null, async (repo) => {
      const decision = loginLimitDecision(await repo.recentFailures(login, source, this.windowSeconds), source, this.options.attemptsPerMinute, this.windowSeconds);
      return decision.kind === 'refused' ? decision : { kind: 'reserved' as const, id: await repo.reserveLoginAttempt(login, source) };
    });
    if (reservation.kind === 'refused') throw new TooManyAttempts(reservation.retryAfterSeconds);

    const user = await this.repo.findUserByLogin(login);
    const ok = await verifyPassword(password, user && !user.disabled ? user.passwordHash : null);
    if (!ok || !user) throw invalidCredentials();
    await this.repo.markLoginAttemptSucceeded(reservation.id);
    return user;
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.repo.deleteSession(hashToken(token));
  }

  /** The user behind a session cookie, or null when missing, unknown or expired. */
  async userForToken(token: string | undefined): Promise<SessionUser | null> {
    if (!token || token.length > 100) return null;
    return (await this.repo.findSessionUser(hashToken(token))) ?? null;
  }

  async sessionUser(userId: string): Promise<SessionUser | null> {
    const user = await this.repo.findUserById(userId);
    if (!user || user.disabled) return null;
    const roles = await this.repo.rolesOf(user.id);
    return { id: user.id, login: user.login, name: user.name, organizationId: user.organizationId, roles, passwordChangeRequired: user.passwordChangeRequired };
  }

  async createUser(input: { login: string; name: string; password?: string; organizationId: string; licenseNo?: string | null }) {
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    return this.repo.insertUser({ login: input.login, name: input.name, passwordHash, organizationId: input.organizationId, licenseNo: input.licenseNo ?? null });
  }
}
