import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { publicProcedure, router, STAFF_ROLES, staffProcedure } from '../trpc/trpc';
import { hashPassword, verifyPassword } from './passwords';
import { createSession, revokeSession } from './sessions';

export const StaffUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
});

// Compared against when the e-mail is unknown, so both cases take an Argon2 verification.
const decoyHash = hashPassword('not-a-real-password-0000');

export const authRouter = router({
  /** Signs in with e-mail and password; the session travels in an HTTP-only cookie. */
  signIn: publicProcedure
    .input(
      z.object({ email: z.string().trim().toLowerCase().max(320), password: z.string().max(1000) }),
    )
    .output(z.object({ user: StaffUserSchema }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.db.adminUser.findUnique({ where: { email: input.email } });
      const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), input.password);
      if (!user || !valid || user.disabledAt) {
        ctx.logger.warn({ email: input.email, ip: ctx.ip }, 'admin sign-in refused');
        throw staffError('UNAUTHORIZED', 'wrong_credentials', 'Wrong e-mail or password.');
      }
      const session = await createSession(ctx.db, user.id);
      await ctx.db.adminUser.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      ctx.setSessionCookie(session.token, session.expiresAt);
      ctx.logger.info({ userId: user.id, role: user.role, ip: ctx.ip }, 'admin signed in');
      return {
        user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
      };
    }),

  signOut: staffProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    if (ctx.sessionId) await revokeSession(ctx.db, ctx.sessionId);
    ctx.clearSessionCookie();
    return { ok: true as const };
  }),

  /** Who is signed in (null when nobody: the app shows the sign-in page). */
  me: publicProcedure.output(StaffUserSchema.nullable()).query(({ ctx }) => ctx.user),
});
