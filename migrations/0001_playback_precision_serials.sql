CREATE SEQUENCE "public"."certificate_serial_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "lecture_progress" ALTER COLUMN "covered_seconds" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "lecture_progress" ALTER COLUMN "last_position" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "playback_sessions" ALTER COLUMN "accepted_seconds" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "playback_sessions" ALTER COLUMN "last_position" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "presence_checks" ALTER COLUMN "due_at_media" SET DATA TYPE double precision;