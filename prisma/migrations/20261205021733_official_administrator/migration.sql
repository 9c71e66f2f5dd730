-- AlterTable
ALTER TABLE "official" ADD COLUMN     "administrator" BOOLEAN NOT NULL DEFAULT false;
