CREATE TABLE "class_certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"serial" text NOT NULL,
	"code" text NOT NULL,
	"user_id" uuid NOT NULL,
	"class_id" uuid NOT NULL,
	"holder_name" text NOT NULL,
	"class_name" text NOT NULL,
	"credit_minutes" integer NOT NULL,
	"completed_at" timestamp with time zone NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "class_certificates_serial_unique" UNIQUE("serial"),
	CONSTRAINT "class_certificates_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "training_class_courses" (
	"class_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "training_class_courses_class_id_course_id_pk" PRIMARY KEY("class_id","course_id")
);
--> statement-breakpoint
CREATE TABLE "training_class_lawyers" (
	"class_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "training_class_lawyers_class_id_user_id_pk" PRIMARY KEY("class_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "training_class_organizations" (
	"class_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	CONSTRAINT "training_class_organizations_class_id_organization_id_pk" PRIMARY KEY("class_id","organization_id")
);
--> statement-breakpoint
CREATE TABLE "training_class_sessions" (
	"class_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	CONSTRAINT "training_class_sessions_class_id_session_id_pk" PRIMARY KEY("class_id","session_id")
);
--> statement-breakpoint
CREATE TABLE "training_classes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"organizer" text NOT NULL,
	"kind" text NOT NULL,
	"opens_on" date NOT NULL,
	"closes_on" date NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "training_classes_dates" CHECK ("training_classes"."opens_on" <= "training_classes"."closes_on"),
	CONSTRAINT "training_classes_kind" CHECK ("training_classes"."kind" IN ('demonstration', 'provincial', 'firm_directors', 'other'))
);
--> statement-breakpoint
ALTER TABLE "class_certificates" ADD CONSTRAINT "class_certificates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "class_certificates" ADD CONSTRAINT "class_certificates_class_id_training_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."training_classes"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_courses" ADD CONSTRAINT "training_class_courses_class_id_training_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."training_classes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_courses" ADD CONSTRAINT "training_class_courses_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_lawyers" ADD CONSTRAINT "training_class_lawyers_class_id_training_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."training_classes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_lawyers" ADD CONSTRAINT "training_class_lawyers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_organizations" ADD CONSTRAINT "training_class_organizations_class_id_training_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."training_classes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_organizations" ADD CONSTRAINT "training_class_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_sessions" ADD CONSTRAINT "training_class_sessions_class_id_training_classes_id_fk" FOREIGN KEY ("class_id") REFERENCES "public"."training_classes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_class_sessions" ADD CONSTRAINT "training_class_sessions_session_id_in_person_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."in_person_sessions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_classes" ADD CONSTRAINT "training_classes_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_classes" ADD CONSTRAINT "training_classes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "class_certificates_user_class" ON "class_certificates" USING btree ("user_id","class_id");--> statement-breakpoint
CREATE INDEX "training_class_lawyers_user" ON "training_class_lawyers" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "training_classes_org" ON "training_classes" USING btree ("organization_id");