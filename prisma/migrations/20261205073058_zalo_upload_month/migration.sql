-- CreateTable
CREATE TABLE "zalo_upload_month" (
    "month" TEXT NOT NULL,
    "uploads" INTEGER NOT NULL DEFAULT 0,
    "warned_80_at" TIMESTAMP(3),
    "warned_95_at" TIMESTAMP(3),
    "exhausted_at" TIMESTAMP(3),

    CONSTRAINT "zalo_upload_month_pkey" PRIMARY KEY ("month")
);
