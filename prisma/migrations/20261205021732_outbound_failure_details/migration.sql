-- AlterTable
ALTER TABLE "outbound_message" ADD COLUMN     "error_code" INTEGER,
ADD COLUMN     "in_doubt" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "zalo_token" ADD COLUMN     "refresh_error" TEXT,
ADD COLUMN     "refresh_failed_at" TIMESTAMP(3);

-- Rows written before these columns existed. Zalo's code is read back from the reason the
-- worker wrote ("Zalo <endpoint> answered error <code>: …"). A failure that was not Zalo's
-- own refusal (a timeout, an interrupted send, attempts used up on the network) may have
-- reached the person: it is marked in doubt, so that the console retries it only with an
-- official's confirmation that a duplicate is acceptable.
UPDATE "outbound_message"
SET "error_code" = substring("last_error" from 'answered error (-?[0-9]+)')::int
WHERE "last_error" ~ 'answered error -?[0-9]+';

UPDATE "outbound_message"
SET "in_doubt" = true
WHERE "status" = 'failed'
  AND ("last_error" IS NULL OR "last_error" LIKE 'in doubt:%' OR "last_error" LIKE '%interrupted send%' OR "last_error" NOT LIKE '%answered error%');
