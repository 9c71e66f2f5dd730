-- CreateEnum
CREATE TYPE "DossierStatus" AS ENUM ('collecting', 'submitted', 'checked', 'returned');

-- CreateEnum
CREATE TYPE "DossierDocumentStatus" AS ENUM ('downloading', 'stored', 'refused', 'replaced');

-- CreateTable
CREATE TABLE "dossier" (
    "id" BIGSERIAL NOT NULL,
    "product_idea_id" BIGINT NOT NULL,
    "checklist_id" TEXT NOT NULL,
    "status" "DossierStatus" NOT NULL DEFAULT 'collecting',
    "version" INTEGER NOT NULL DEFAULT 1,
    "checked_by" TEXT,
    "checked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "dossier_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dossier_document" (
    "id" BIGSERIAL NOT NULL,
    "dossier_id" BIGINT NOT NULL,
    "item_code" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" "DossierDocumentStatus" NOT NULL DEFAULT 'downloading',
    "source_message_id" TEXT,
    "attachment_index" INTEGER NOT NULL DEFAULT 0,
    "source_url" TEXT,
    "uploaded_by" TEXT NOT NULL,
    "original_name" TEXT,
    "media_type" TEXT,
    "printable" BOOLEAN,
    "size_bytes" INTEGER,
    "sha256" TEXT,
    "storage_key" TEXT,
    "refused_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stored_at" TIMESTAMP(3),
    "replaced_at" TIMESTAMP(3),

    CONSTRAINT "dossier_document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dossier_item_return" (
    "id" BIGSERIAL NOT NULL,
    "dossier_id" BIGINT NOT NULL,
    "item_code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "returned_by" TEXT NOT NULL,
    "returned_at" TIMESTAMP(3) NOT NULL,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "dossier_item_return_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dossier_event" (
    "id" BIGSERIAL NOT NULL,
    "dossier_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "item_code" TEXT,
    "document_id" BIGINT,
    "detail" JSONB,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "dossier_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dossier_packet" (
    "id" BIGSERIAL NOT NULL,
    "dossier_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "storage_key" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "page_count" INTEGER NOT NULL,
    "contents" JSONB NOT NULL,
    "built_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "dossier_packet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "packet_access" (
    "id" BIGSERIAL NOT NULL,
    "packet_id" BIGINT,
    "recipient" TEXT,
    "outcome" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "address" TEXT,

    CONSTRAINT "packet_access_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "dossier_product_idea_id_key" ON "dossier"("product_idea_id");

-- CreateIndex
CREATE INDEX "dossier_document_dossier_id_item_code_status_idx" ON "dossier_document"("dossier_id", "item_code", "status");

-- CreateIndex
CREATE INDEX "dossier_document_dossier_id_sha256_idx" ON "dossier_document"("dossier_id", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "dossier_document_source_message_id_attachment_index_key" ON "dossier_document"("source_message_id", "attachment_index");

-- CreateIndex
CREATE INDEX "dossier_item_return_dossier_id_resolved_at_idx" ON "dossier_item_return"("dossier_id", "resolved_at");

-- CreateIndex
CREATE INDEX "dossier_event_dossier_id_id_idx" ON "dossier_event"("dossier_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "dossier_packet_dossier_id_version_key" ON "dossier_packet"("dossier_id", "version");

-- CreateIndex
CREATE INDEX "packet_access_packet_id_at_idx" ON "packet_access"("packet_id", "at");

-- AddForeignKey
ALTER TABLE "dossier" ADD CONSTRAINT "dossier_product_idea_id_fkey" FOREIGN KEY ("product_idea_id") REFERENCES "product_idea"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier_document" ADD CONSTRAINT "dossier_document_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier_item_return" ADD CONSTRAINT "dossier_item_return_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier_event" ADD CONSTRAINT "dossier_event_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dossier_packet" ADD CONSTRAINT "dossier_packet_dossier_id_fkey" FOREIGN KEY ("dossier_id") REFERENCES "dossier"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "packet_access" ADD CONSTRAINT "packet_access_packet_id_fkey" FOREIGN KEY ("packet_id") REFERENCES "dossier_packet"("id") ON DELETE SET NULL ON UPDATE CASCADE;
