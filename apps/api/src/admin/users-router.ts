import { z } from 'zod';
import { STAFF_ROLES } from '../staff/identity';
import { createStaffUser, listStaffUsers, updateStaffUser } from '../staff/users';
import { staffError } from '../trpc/errors';
import { adminProcedure, router } from '../trpc/trpc';

const UserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(STAFF_ROLES),
  createdAt: z.date(),
  lastLoginAt: z.date().nullable(),
  disabledAt: z.date().nullable(),
});

const REFUSALS = {
  email_taken: () => staffError('CONFLICT', 'email_taken', 'A user with this e-mail exists.'),
  user_not_found: () => staffError('NOT_FOUND', 'user_not_found', 'User not found.'),
  cannot_change_self: () =>
    staffError('BAD_REQUEST', 'cannot_change_self', 'You cannot demote or disable yourself.'),
};

/** Staff users (admin only). Every change is audited; passwords are Argon2id hashes. */
export const usersAdminRouter = router({
  list: adminProcedure.output(z.array(UserSchema)).query(({ ctx }) => listStaffUsers(ctx.db)),

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
      const created = await createStaffUser(ctx.db, ctx.user, input);
      if (!created.ok) throw REFUSALS[created.error.code]();
      return created.value;
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
      const updated = await updateStaffUser(ctx.db, ctx.user, input);
      if (!updated.ok) throw REFUSALS[updated.error.code]();
      return updated.value;
    }),
});
