CREATE TABLE "pair_recommendations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pair_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"note" text,
	"recommended_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pairs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"mentor_organization_id" uuid,
	"mentee_organization_id" uuid,
	"mentor_user_id" uuid,
	"mentee_user_id" uuid,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" uuid,
	CONSTRAINT "pairs_sides" CHECK (("pairs"."kind" = 'firm' AND "pairs"."mentor_organization_id" IS NOT NULL AND "pairs"."mentee_organization_id" IS NOT NULL AND "pairs"."mentor_user_id" IS NULL AND "pairs"."mentee_user_id" IS NULL)
        OR ("pairs"."kind" = 'lawyer' AND "pairs"."mentor_user_id" IS NOT NULL AND "pairs"."mentee_user_id" IS NOT NULL AND "pairs"."mentor_organization_id" IS NULL AND "pairs"."mentee_organization_id" IS NULL)),
	CONSTRAINT "pairs_dates" CHECK ("pairs"."ends_on" IS NULL OR "pairs"."ends_on" >= "pairs"."starts_on")
);
--> statement-breakpoint
ALTER TABLE "pair_recommendations" ADD CONSTRAINT "pair_recommendations_pair_id_pairs_id_fk" FOREIGN KEY ("pair_id") REFERENCES "public"."pairs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_recommendations" ADD CONSTRAINT "pair_recommendations_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pair_recommendations" ADD CONSTRAINT "pair_recommendations_recommended_by_users_id_fk" FOREIGN KEY ("recommended_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_mentor_organization_id_organizations_id_fk" FOREIGN KEY ("mentor_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_mentee_organization_id_organizations_id_fk" FOREIGN KEY ("mentee_organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_mentor_user_id_users_id_fk" FOREIGN KEY ("mentor_user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_mentee_user_id_users_id_fk" FOREIGN KEY ("mentee_user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_ended_by_users_id_fk" FOREIGN KEY ("ended_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pair_recommendations_once" ON "pair_recommendations" USING btree ("pair_id","course_id");--> statement-breakpoint
CREATE INDEX "pair_recommendations_course" ON "pair_recommendations" USING btree ("course_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pairs_firms_once" ON "pairs" USING btree ("mentor_organization_id","mentee_organization_id") WHERE "pairs"."kind" = 'firm' AND "pairs"."ended_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "pairs_lawyers_once" ON "pairs" USING btree ("mentor_user_id","mentee_user_id") WHERE "pairs"."kind" = 'lawyer' AND "pairs"."ended_at" IS NULL;--> statement-breakpoint
CREATE INDEX "pairs_organization" ON "pairs" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "pairs_mentor_user" ON "pairs" USING btree ("mentor_user_id");--> statement-breakpoint
CREATE INDEX "pairs_mentee_user" ON "pairs" USING btree ("mentee_user_id");--> statement-breakpoint
CREATE INDEX "pairs_mentor_organization" ON "pairs" USING btree ("mentor_organization_id");--> statement-breakpoint
CREATE INDEX "pairs_mentee_organization" ON "pairs" USING btree ("mentee_organization_id");