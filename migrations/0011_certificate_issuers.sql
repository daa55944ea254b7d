CREATE TABLE "certificate_issuers" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"signer_name" text,
	"signer_title" text,
	"seal" "bytea",
	"seal_content_type" text,
	"seal_sha256" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certificate_issuers" ADD CONSTRAINT "certificate_issuers_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;