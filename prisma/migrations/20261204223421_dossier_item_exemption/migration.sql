-- CreateTable
CREATE TABLE "dossier_item_exemption" (
    "id" BIGSERIAL NOT NULL,
    "dossier_id" BIGINT NOT NULL,
    "item_code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "declared_by" TEXT NOT NULL,
    "declared_at" TIMESTAMP(3) NOT NULL,
    "returned_at" TIMESTAMP(3),
    "accepted_at" TIMESTAMP(3),

    CONSTRAINT "dossier_item_exemption_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dossier_item_exemption_dossier_id_returned_at_idx" ON "dossier_item_exemption"("dossier_id", "returned_at");

-- AddForeignKey
ALTER TABLE "dossier_item_exemption" ADD CONSTRAINT "dossier_item_exemption_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
