CREATE TYPE "public"."lrs_statement_state" AS ENUM('queued', 'sent', 'failed');--> statement-breakpoint
CREATE TABLE "lrs_statements" (
	"id" uuid PRIMARY KEY NOT NULL,
	"session_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"state" "lrs_statement_state" DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error_code" text,
	"last_error_detail" text,
	"last_error_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "background_jobs" ALTER COLUMN "actor_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "lrs_statements" ADD CONSTRAINT "lrs_statements_session_id_playback_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."playback_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lrs_statements_due_idx" ON "lrs_statements" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "lrs_statements_session_idx" ON "lrs_statements" USING btree ("session_id");