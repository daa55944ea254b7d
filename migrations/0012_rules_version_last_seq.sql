ALTER TABLE "courses" ADD COLUMN "rules_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "lectures" ADD COLUMN "rules_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "playback_sessions" ADD COLUMN "last_seq" integer DEFAULT -1 NOT NULL;--> statement-breakpoint
-- The resume position moves only for the newest heartbeat: last_seq replaces probing heartbeats.
UPDATE "playback_sessions" s SET "last_seq" = h.max_seq
  FROM (SELECT session_id, max(seq) AS max_seq FROM "heartbeats" GROUP BY session_id) h
  WHERE h.session_id = s.id;--> statement-breakpoint
-- One number for "the rules a heartbeat was judged by": whatever code changes a rule, the trigger
-- bumps the version, so the heartbeat's guard cannot miss a new rule (docs/credit.md).
CREATE OR REPLACE FUNCTION courses_bump_rules_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.status, NEW.max_playback_rate, NEW.completion_ratio, NEW.require_visible, NEW.presence_checks)
     IS DISTINCT FROM (OLD.status, OLD.max_playback_rate, OLD.completion_ratio, OLD.require_visible, OLD.presence_checks) THEN
    NEW.rules_version := OLD.rules_version + 1;
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER courses_rules_version BEFORE UPDATE ON "courses"
  FOR EACH ROW EXECUTE FUNCTION courses_bump_rules_version();--> statement-breakpoint
CREATE OR REPLACE FUNCTION lectures_bump_rules_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.duration_seconds, NEW.credit_minutes_override, NEW.course_id)
     IS DISTINCT FROM (OLD.duration_seconds, OLD.credit_minutes_override, OLD.course_id) THEN
    NEW.rules_version := OLD.rules_version + 1;
  END IF;
  RETURN NEW;
END;
$$;--> statement-breakpoint
CREATE TRIGGER lectures_rules_version BEFORE UPDATE ON "lectures"
  FOR EACH ROW EXECUTE FUNCTION lectures_bump_rules_version();
