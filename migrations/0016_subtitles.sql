CREATE TABLE "lecture_subtitles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lecture_id" uuid NOT NULL,
	"lang" text NOT NULL,
	"storage_key" text NOT NULL,
	"source_format" text NOT NULL,
	"source_bytes" integer NOT NULL,
	"cue_count" integer NOT NULL,
	"transcript_text" text NOT NULL,
	"transcript_folded" text GENERATED ALWAYS AS (lower(transcript_text)) STORED NOT NULL,
	"uploaded_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subtitle_cues" (
	"subtitle_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"start_seconds" double precision NOT NULL,
	"end_seconds" double precision NOT NULL,
	"text" text NOT NULL,
	"text_offset" integer NOT NULL,
	CONSTRAINT "subtitle_cues_subtitle_id_seq_pk" PRIMARY KEY("subtitle_id","seq")
);
--> statement-breakpoint
ALTER TABLE "lecture_subtitles" ADD CONSTRAINT "lecture_subtitles_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lecture_subtitles" ADD CONSTRAINT "lecture_subtitles_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subtitle_cues" ADD CONSTRAINT "subtitle_cues_subtitle_id_lecture_subtitles_id_fk" FOREIGN KEY ("subtitle_id") REFERENCES "public"."lecture_subtitles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "lecture_subtitles_lecture_lang" ON "lecture_subtitles" USING btree ("lecture_id","lang");