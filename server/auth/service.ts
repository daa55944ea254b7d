import { createHash, randomBytes } from 'node:crypto';
import { HttpError } from '../http/errors.ts';
import type { AuthRepository, UserRow } from './repository.ts';
import type { SessionUser } from './access.ts';
import { hashPassword, verifyPassword } from './password.ts';

const SESSION_DAYS = 30;

/** The one answer for a wrong login, a wrong password and a disabled account. */
export const invalidCredentials = () => new HttpError(401, 'invalid_credentials', 'The login or the password is wrong.');

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly options: { attemptsPerMinute: number },
  ) {}

  /** Checks the password and opens a session. Same 401 for unknown login and wrong password. */
  async login(login: string, password: string, meta: { ip: string; userAgent?: string }): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
    const user = await this.checkPassword(login, password, meta.ip);

    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await this.repo.insertSession({ tokenHash: hashToken(token), userId: user.id, expiresAt, ip: meta.ip, userAgent: meta.userAgent?.slice(0, 500) });
    return { token, expiresAt, user: await this.sessionUser(user.id) as SessionUser };
  }

  /**
   * One password try, counted against the login limit (10 a minute per login and address, 50 per
   * address or per login): login and "change my password" both go through here, so neither can be
   * used to guess a password faster than the other. A disabled account answers like a wrong
   * password. Answers the user on success; throws 429 or 401.
   */
  async checkPassword(login: string, password: string, ip: string): Promise<UserRow> {
    const limit = this.options.attemptsPerMinute;
    const since = new Date(Date.now() - 60_000);
    const recent = await this.repo.countRecentAttempts(login, ip, since);
    if (recent.pair >= limit || recent.ip >= limit * 5 || recent.login >= limit * 5) {
      throw new HttpError(429, 'too_many_attempts', 'Too many login attempts. Wait a minute and try again.');
    }
    const user = await this.repo.findUserByLogin(login);
    const ok = await verifyPassword(password, user && !user.disabled ? user.passwordHash : null);
    await this.repo.recordLoginAttempt(login, ip, ok);
    if (!ok || !user) throw invalidCredentials();
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
