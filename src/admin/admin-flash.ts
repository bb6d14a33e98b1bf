import type { Request } from 'express';

/** One-shot messages for the next GET /admin, kept in the session's `flash.admin` slot. */
export interface AdminFlash {
  notice?: string;
  /** A freshly minted invite: shown once, prominently, so it can be copied. */
  invite?: { code: string; link: string; role: string; maxUses: number; expiresAt: string | null };
  /** §6.2 bootstrap done: tell the (non-admin) user how to continue. */
  bootstrapped?: string;
}

/**
 * Stores the message and saves the session now: browsers follow a 303 as soon as its headers arrive,
 * and express-session would otherwise save only while the redirect is being sent, so the next GET
 * could read the old session (no message) and the late save would then show it one page too late.
 */
export async function setAdminFlash(req: Request, flash: AdminFlash): Promise<void> {
  req.session.flash = { ...(req.session.flash ?? {}), admin: flash };
  await saveSession(req);
}

/**
 * Reads and clears the admin slot (other modules' flash messages stay), saving the cleared session
 * before the page is sent: a reload issued while the page is still arriving must not show it again.
 */
export async function takeAdminFlash(req: Request): Promise<AdminFlash> {
  const flash = req.session?.flash;
  if (!flash || !('admin' in flash)) return {};
  const { admin, ...rest } = flash;
  req.session.flash = Object.keys(rest).length > 0 ? rest : undefined;
  await saveSession(req);
  return admin ?? {};
}

function saveSession(req: Request): Promise<void> {
  return new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(toError(err)) : resolve())));
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
