import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { adminProcedure, router, STAFF_ROLES } from '../trpc/trpc';
import { audit } from './audit';
import { generatePassword, hashPassword } from './passwords';

const UserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
  createdAt: z.date(),
  lastLoginAt: z.date().nullable(),
  disabledAt: z.date().nullable(),
});

const view = (u: z.infer<typeof UserSchema> & Record<string, unknown>) => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  createdAt: u.createdAt,
  lastLoginAt: u.lastLoginAt,
  disabledAt: u.disabledAt,
});

/** Staff users (admin only). Every change is audited; passwords are Argon2id hashes. */
export const usersAdminRouter = router({
  list: adminProcedure
    .output(z.array(UserSchema))
    .query(async ({ ctx }) =>
      (await ctx.db.adminUser.findMany({ orderBy: { email: 'asc' } })).map(view),
    ),

  /** Creates a user; the generated password is in this answer only. */
  create: adminProcedure
    .input(
      z.object({
        email: z.email().transform((e) => e.toLowerCase()),
        displayName: z.string().trim().min(1).max(200),
        role: z.enum(STAFF_ROLES),
      }),
    )
    .output(z.object({ user: UserSchema, password: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      const exists = await ctx.db.adminUser.findUnique({ where: { email: input.email } });
      if (exists) throw staffError('CONFLICT', 'email_taken', 'A user with this e-mail exists.');
      const user = await ctx.db.$transaction(async (tx) => {
        const created = await tx.adminUser.create({ data: { ...input, passwordHash } });
        await audit(tx, ctx.user, {
          action: 'admin_user.created',
          targetType: 'admin_user',
          targetId: created.id,
          after: { email: created.email, role: created.role },
        });
        return created;
      });
      return { user: view(user), password };
    }),

  /** Changes a role, or disables / re-enables a user (their sessions end at once). */
  update: adminProcedure
    .input(
      z.object({
        userId: z.uuid(),
        role: z.enum(STAFF_ROLES).optional(),
        disabled: z.boolean().optional(),
      }),
    )
    .output(UserSchema)
    .mutation(async ({ ctx, input }) => {
      if (
        input.userId === ctx.user.id &&
        (input.disabled || (input.role && input.role !== 'admin'))
      ) {
        throw staffError(
          'BAD_REQUEST',
          'cannot_change_self',
          'You cannot demote or disable yourself.',
        );
      }
      return ctx.db.$transaction(async (tx) => {
        const before = await tx.adminUser.findUnique({ where: { id: input.userId } });
        if (!before) throw staffError('NOT_FOUND', 'user_not_found', 'User not found.');
        const after = await tx.adminUser.update({
          where: { id: input.userId },
          data: {
            ...(input.role ? { role: input.role } : {}),
            ...(input.disabled !== undefined
              ? { disabledAt: input.disabled ? new Date() : null }
              : {}),
          },
        });
        if (input.disabled) {
          await tx.adminSession.updateMany({
            where: { userId: input.userId, revokedAt: null },
            data: { revokedAt: new Date() },
          });
        }
        await audit(tx, ctx.user, {
          action: 'admin_user.updated',
          targetType: 'admin_user',
          targetId: input.userId,
          before: { role: before.role, disabled: before.disabledAt !== null },
          after: { role: after.role, disabled: after.disabledAt !== null },
        });
        return view(after);
      });
    }),
});
