ALTER TABLE "lecture_progress" ADD COLUMN "version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "allowance_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "allowance_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "carried_in_seconds" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "last_heard_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "heartbeat_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "preview" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD COLUMN "user_id" uuid;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD COLUMN "lecture_id" uuid;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD COLUMN "code" text;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD COLUMN "wrong_answers" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD COLUMN "held_intervals" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD CONSTRAINT "presence_checks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presence_checks" ADD CONSTRAINT "presence_checks_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "presence_checks_user_lecture_idx" ON "presence_checks" USING btree ("user_id","lecture_id");--> statement-breakpoint
-- Checks written before v2 belonged to a session only: give them its lawyer and lecture.
UPDATE "presence_checks" pc SET "user_id" = s."user_id", "lecture_id" = s."lecture_id" FROM "playback_sessions" s WHERE s."id" = pc."session_id" AND pc."user_id" IS NULL;
--> statement-breakpoint
-- Sessions from before v2 leave the next one the usual tolerance, counted from when they closed.
UPDATE "playback_sessions" SET "allowance_seconds" = 5, "allowance_at" = coalesce("closed_at", now()), "carried_in_seconds" = 5;
