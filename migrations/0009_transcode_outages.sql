ALTER TABLE "transcode_jobs" ALTER COLUMN "max_attempts" SET DEFAULT 5;--> statement-breakpoint
ALTER TABLE "transcode_jobs" ADD COLUMN "waiting_since" timestamp with time zone;