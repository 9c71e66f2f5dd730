-- AlterTable
ALTER TABLE "official" ADD COLUMN     "deactivated_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "console_sign_in" (
    "id" BIGSERIAL NOT NULL,
    "token_hash" TEXT NOT NULL,
    "official_id" BIGINT NOT NULL,
    "zalo_user_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),

    CONSTRAINT "console_sign_in_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_session" (
    "id" BIGSERIAL NOT NULL,
    "id_hash" TEXT NOT NULL,
    "official_id" BIGINT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "ended_at" TIMESTAMP(3),

    CONSTRAINT "console_session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_sign_in_token_hash_key" ON "console_sign_in"("token_hash");

-- CreateIndex
CREATE INDEX "console_sign_in_official_id_created_at_idx" ON "console_sign_in"("official_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "console_session_id_hash_key" ON "console_session"("id_hash");

-- CreateIndex
CREATE INDEX "console_session_official_id_idx" ON "console_session"("official_id");

-- AddForeignKey
ALTER TABLE "console_sign_in" ADD CONSTRAINT "console_sign_in_official_id_fkey" FOREIGN KEY ("official_id") REFERENCES "official"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console_session" ADD CONSTRAINT "console_session_official_id_fkey" FOREIGN KEY ("official_id") REFERENCES "official"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
