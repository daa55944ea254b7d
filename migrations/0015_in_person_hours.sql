CREATE TABLE "in_person_attendances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"minutes" integer,
	"source" text NOT NULL,
	"recorded_by" uuid,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"removed_by" uuid,
	CONSTRAINT "in_person_attendances_minutes" CHECK ("in_person_attendances"."minutes" IS NULL OR "in_person_attendances"."minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "in_person_corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"session_id" uuid NOT NULL,
	"attendance_id" uuid,
	"kind" text NOT NULL,
	"minutes_before" integer NOT NULL,
	"minutes_after" integer,
	"reason" text NOT NULL,
	"corrected_by" uuid,
	"corrected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "in_person_corrections_reason" CHECK (length(trim("in_person_corrections"."reason")) > 0)
);
--> statement-breakpoint
CREATE TABLE "in_person_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"title" text NOT NULL,
	"held_on" date NOT NULL,
	"place" text NOT NULL,
	"minutes" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "in_person_sessions_minutes" CHECK ("in_person_sessions"."minutes" >= 0)
);
--> statement-breakpoint
ALTER TABLE "in_person_attendances" ADD CONSTRAINT "in_person_attendances_session_id_in_person_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."in_person_sessions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_attendances" ADD CONSTRAINT "in_person_attendances_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_attendances" ADD CONSTRAINT "in_person_attendances_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_attendances" ADD CONSTRAINT "in_person_attendances_removed_by_users_id_fk" FOREIGN KEY ("removed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_corrections" ADD CONSTRAINT "in_person_corrections_session_id_in_person_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."in_person_sessions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_corrections" ADD CONSTRAINT "in_person_corrections_attendance_id_in_person_attendances_id_fk" FOREIGN KEY ("attendance_id") REFERENCES "public"."in_person_attendances"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_corrections" ADD CONSTRAINT "in_person_corrections_corrected_by_users_id_fk" FOREIGN KEY ("corrected_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_sessions" ADD CONSTRAINT "in_person_sessions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_person_sessions" ADD CONSTRAINT "in_person_sessions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "in_person_attendances_once" ON "in_person_attendances" USING btree ("session_id","user_id") WHERE "in_person_attendances"."removed_at" IS NULL;--> statement-breakpoint
CREATE INDEX "in_person_attendances_user" ON "in_person_attendances" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "in_person_corrections_session" ON "in_person_corrections" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "in_person_sessions_org_held_on" ON "in_person_sessions" USING btree ("organization_id","held_on");--> statement-breakpoint
-- Corrections of in-person hours are evidence, like the audit log: nothing may change or remove one.
CREATE OR REPLACE FUNCTION in_person_corrections_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'in_person_corrections is append-only evidence: % is not allowed', TG_OP;
END;
$$;--> statement-breakpoint
CREATE TRIGGER in_person_corrections_no_update_or_delete BEFORE UPDATE OR DELETE ON "in_person_corrections"
  FOR EACH ROW EXECUTE FUNCTION in_person_corrections_append_only();
