CREATE TABLE "upload_chunks" (
	"upload_id" text NOT NULL,
	"start" bigint NOT NULL,
	"bytes" bigint NOT NULL,
	"storage_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "upload_chunks_upload_id_start_pk" PRIMARY KEY("upload_id","start")
);
--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "state" text DEFAULT 'receiving' NOT NULL;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "staging" text DEFAULT 'file' NOT NULL;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "staged_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "metadata" jsonb;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "received_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "source_id" uuid;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "store_job_id" uuid;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "stored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "upload_reservations" ADD COLUMN "staging_removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "upload_chunks" ADD CONSTRAINT "upload_chunks_upload_id_upload_reservations_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."upload_reservations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "upload_reservations_lecture_idx" ON "upload_reservations" USING btree ("lecture_id","created_at");--> statement-breakpoint
CREATE INDEX "upload_reservations_state_idx" ON "upload_reservations" USING btree ("state");--> statement-breakpoint
-- uploads that ended before states were kept (finished or cancelled): nothing of them is staged any more
UPDATE "upload_reservations" SET "state" = 'stored', "staging_removed_at" = "ended_at" WHERE "ended_at" IS NOT NULL;
