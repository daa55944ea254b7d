ALTER TABLE "lectures" ADD COLUMN "media_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "lectures" ADD COLUMN "hidden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "lectures" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
-- lectures that already play their first recording are version 1
UPDATE "lectures" SET "media_version" = 1 WHERE "package_prefix" IS NOT NULL;
