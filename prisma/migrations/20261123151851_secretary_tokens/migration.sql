-- AlterEnum
ALTER TYPE "OfficialRole" ADD VALUE 'secretary';
