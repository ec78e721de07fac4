-- The rota follows bookings: every change to a confirmed (or completed) booking's time, hub or
-- status, and every change to a hub's staffed hours or rota rules, leaves a row in rota_pending
-- in the same transaction. The rota module drains them (after the request, and in a job), so a
-- crash between the booking change and the shift change loses nothing.
CREATE FUNCTION rota_booking_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status IN ('confirmed', 'completed') AND NEW.status IN ('confirmed', 'completed')
     AND NEW.hub_id = OLD.hub_id AND NEW.starts_at = OLD.starts_at AND NEW.ends_at = OLD.ends_at THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status IN ('confirmed', 'completed') THEN
    INSERT INTO rota_pending (hub_id, from_at, to_at)
      SELECT OLD.hub_id, OLD.starts_at, OLD.ends_at FROM hubs h WHERE h.id = OLD.hub_id AND h.settings ? 'staffedHours';
  END IF;
  IF NEW.status IN ('confirmed', 'completed') THEN
    INSERT INTO rota_pending (hub_id, from_at, to_at)
      SELECT NEW.hub_id, NEW.starts_at, NEW.ends_at FROM hubs h WHERE h.id = NEW.hub_id AND h.settings ? 'staffedHours';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER bookings_rota AFTER INSERT OR UPDATE OF status, starts_at, ends_at, hub_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION rota_booking_changed();
--> statement-breakpoint
CREATE FUNCTION rota_hub_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.settings -> 'staffedHours') IS DISTINCT FROM (NEW.settings -> 'staffedHours')
     OR (OLD.settings -> 'rota') IS DISTINCT FROM (NEW.settings -> 'rota')
     OR OLD.timezone IS DISTINCT FROM NEW.timezone THEN
    -- The whole calendar: the rota clips it to the future it keeps shifts for.
    INSERT INTO rota_pending (hub_id, from_at, to_at) VALUES (NEW.id, '-infinity', 'infinity');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER hubs_rota AFTER UPDATE OF settings, timezone ON hubs
  FOR EACH ROW EXECUTE FUNCTION rota_hub_changed();
