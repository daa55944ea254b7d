-- Heartbeats are the evidence behind every credited minute: nothing may change or remove them.
CREATE OR REPLACE FUNCTION heartbeats_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'heartbeats are append-only evidence: % is not allowed', TG_OP;
END;
$$;--> statement-breakpoint
CREATE TRIGGER heartbeats_no_update_or_delete BEFORE UPDATE OR DELETE ON "heartbeats"
  FOR EACH ROW EXECUTE FUNCTION heartbeats_append_only();
