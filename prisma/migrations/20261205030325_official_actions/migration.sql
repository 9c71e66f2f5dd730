-- CreateTable
CREATE TABLE "official_action" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_id" BIGINT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "session_id" BIGINT,
    "province_code" TEXT NOT NULL,
    "commune_code" TEXT,
    "method" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "target" JSONB NOT NULL,
    "status" INTEGER NOT NULL,
    "address" TEXT,

    CONSTRAINT "official_action_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "official_action_province_code_id_idx" ON "official_action"("province_code", "id");
