-- Token names tell officials apart in the audit trail ("admin:<name>"), so two live
-- tokens may not share one; a revoked token's name may be given again. Prisma's schema
-- cannot express a partial index: it is written here by hand and Prisma's diff ignores it.
-- If live duplicates exist, this fails naming one: revoke one of them (or rename it), then deploy again.
CREATE UNIQUE INDEX "api_token_name_active_key" ON "api_token"("name") WHERE "revoked_at" IS NULL;
