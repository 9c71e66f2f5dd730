-- AlterTable
ALTER TABLE "administrative_unit" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "certified_product" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "dossier" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "dossier_document" ALTER COLUMN "created_at" DROP DEFAULT;

-- AlterTable
ALTER TABLE "inbound_event" ALTER COLUMN "received_at" DROP DEFAULT;

-- AlterTable
ALTER TABLE "meeting" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "outbound_message" ALTER COLUMN "created_at" DROP DEFAULT;

-- AlterTable
ALTER TABLE "producer" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "product_idea" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "zalo_token" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "zalo_user" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

-- Audit columns `updated_at` were stamped by the Prisma client with the process clock,
-- which is not the application's injected clock. They are now stamped by Postgres when a
-- row really changes, unless the statement sets the column itself; no logic reads them.
-- Stored as UTC, like Prisma.
CREATE FUNCTION stamp_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now() AT TIME ZONE 'UTC';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "administrative_unit" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "certified_product" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "dossier" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "meeting" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "producer" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "product_idea" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "zalo_token" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON "zalo_user" FOR EACH ROW EXECUTE FUNCTION stamp_updated_at();
