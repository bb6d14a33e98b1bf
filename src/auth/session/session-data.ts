import 'express-session';

/** What a session holds: who (id + session version), when, and the CSRF token. Nothing else. */
declare module 'express-session' {
  interface SessionData {
    userId?: string;
    /** Must equal the user's `session_version`; bumping it ends every session of that user. */
    sessionVersion?: number;
    loginAt?: number;
    lastSeenAt?: number;
    /** One-shot messages for the next page (e.g. a freshly minted invite link, shown once). */
    flash?: Record<string, unknown>;
  }
}
