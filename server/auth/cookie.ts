export const SESSION_COOKIE = 'lectern_session';
