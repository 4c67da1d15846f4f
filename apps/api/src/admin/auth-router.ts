import { z } from 'zod';
import { STAFF_ROLES } from '../staff/identity';
import { revokeSession } from '../staff/sessions';
import { signIn } from '../staff/sign-in';
import { staffError } from '../trpc/errors';
import { publicProcedure, router, staffProcedure } from '../trpc/trpc';

export const StaffUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
});

export const authRouter = router({
  /** Signs in with e-mail and password; the session travels in an HTTP-only cookie. */
  signIn: publicProcedure
    .input(
      z.object({ email: z.string().trim().toLowerCase().max(320), password: z.string().max(1000) }),
    )
    .output(z.object({ user: StaffUserSchema }))
    .mutation(async ({ ctx, input }) => {
      const signedIn = await signIn(ctx.db, input);
      if (!signedIn.ok) {
        ctx.logger.warn({ email: input.email, ip: ctx.ip }, 'admin sign-in refused');
        throw staffError('UNAUTHORIZED', 'wrong_credentials', 'Wrong e-mail or password.');
      }
      const { user, token, expiresAt } = signedIn.value;
      ctx.setSessionCookie(token, expiresAt);
      ctx.logger.info({ userId: user.id, role: user.role, ip: ctx.ip }, 'admin signed in');
      return { user };
    }),

  signOut: staffProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    if (ctx.sessionId) await revokeSession(ctx.db, ctx.sessionId);
    ctx.clearSessionCookie();
    return { ok: true as const };
  }),

  /** Who is signed in (null when nobody: the app shows the sign-in page). */
  me: publicProcedure.output(StaffUserSchema.nullable()).query(({ ctx }) => ctx.user),
});
