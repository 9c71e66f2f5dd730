-- CreateTable
CREATE TABLE "conversation_session" (
    "user_id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "flow_version" INTEGER NOT NULL,
    "step_id" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "conversation_session_pkey" PRIMARY KEY ("user_id")
);
