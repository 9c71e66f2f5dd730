-- Decision 26/2026/QĐ-TTg Art. 2.3 adds farms (trang trại) and, for tourism products only,
-- associations (hội, hiệp hội, trung tâm điều hành hoặc tổ chức tương đương). Since
-- PostgreSQL 12 ADD VALUE runs inside the migration's transaction; nothing here uses the
-- new values, which is the one thing the same transaction may not do.
ALTER TYPE "ProducerKind" ADD VALUE 'farm';
ALTER TYPE "ProducerKind" ADD VALUE 'association';

-- Forms 02 and 03 (Annex III) ask the legal representative's gender (Nam/nữ).
CREATE TYPE "Gender" AS ENUM ('male', 'female');

-- A household's representative is identified by the 12-digit personal ID in place of a tax
-- code (Thông tư 86/2024/TT-BTC Art. 5 from 1/7/2025; kept by Thông tư 90/2026/TT-BTC);
-- Forms 02 and 03 also ask the representative's ethnic group (a code of Quyết định
-- 121-TCTK/PPCĐ) and permanent address. All optional: existing producers have none.
ALTER TABLE "producer"
  ADD COLUMN "personal_id" TEXT,
  ADD COLUMN "representative_ethnic_group" TEXT,
  ADD COLUMN "representative_gender" "Gender",
  ADD COLUMN "representative_permanent_address" TEXT;
