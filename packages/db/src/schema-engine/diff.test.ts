import { describe, expect, it } from 'vitest';
import { diffSchemas, schemaToSql } from './diff';

// Exercises the pieces a real schema leans on: an enum, a relation with a referential action,
// @@map/@map names, a composite @@unique and an @@index. No database server is involved.
const schema = `
datasource db {
  provider = "postgresql"
}

enum Role {
  admin
  member

  @@map("member_role")
}

model Org {
  id      String   @id @db.Uuid
  name    String
  members Member[]

  @@map("orgs")
}

model Member {
  id        String   @id @default(uuid()) @db.Uuid
  email     String   @unique
  role      Role     @default(member)
  orgId     String   @map("org_id") @db.Uuid
  org       Org      @relation(fields: [orgId], references: [id], onDelete: Cascade)
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(3)

  @@unique([orgId, email])
  @@index([createdAt])
  @@map("members")
}
`;

const base = { path: 'schema.prisma', content: schema };

describe('schemaToSql', () => {
  it('renders the full DDL Prisma Migrate would create from an empty database', async () => {
    const sql = await schemaToSql(base);

    expect(sql).toContain(`CREATE TYPE "member_role" AS ENUM ('admin', 'member');`);
    expect(sql).toContain('CREATE TABLE "orgs" (');
    expect(sql).toContain('CREATE TABLE "members" (');
    expect(sql).toContain(`"role" "member_role" NOT NULL DEFAULT 'member'`);
    expect(sql).toContain('"created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP');
    expect(sql).toContain('CREATE UNIQUE INDEX "members_email_key" ON "members"("email");');
    expect(sql).toContain(
      'CREATE UNIQUE INDEX "members_org_id_email_key" ON "members"("org_id", "email");',
    );
    expect(sql).toContain('CREATE INDEX "members_created_at_idx" ON "members"("created_at");');
    expect(sql).toContain(
      'ALTER TABLE "members" ADD CONSTRAINT "members_org_id_fkey" FOREIGN KEY ("org_id") ' +
        'REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;',
    );
  });

  it('rejects an invalid schema with the engine diagnostics', async () => {
    const broken = { path: 'broken.prisma', content: schema.replace('String   @unique', 'Nope') };
    await expect(schemaToSql(broken)).rejects.toThrow(/Type "Nope" is neither a built-in type/);
  });
});

describe('diffSchemas', () => {
  it('renders an ALTER TABLE for an added column', async () => {
    const next = {
      path: 'schema.prisma',
      content: schema.replace('  name    String\n', '  name    String\n  slug    String?\n'),
    };

    const sql = await diffSchemas(base, next);

    expect(sql).toMatch(/ALTER TABLE "orgs" ADD COLUMN\s+"slug" TEXT;/);
    expect(sql).not.toContain('CREATE TABLE');
  });

  it('says so when nothing changed', async () => {
    await expect(diffSchemas(base, base)).resolves.toBe('-- This is an empty migration.\n');
  });
});
