-- The usage report's roll-up (report_usage_months, report_room_months, report_months) is worked
-- out by the worker; these triggers mark the hub-months it must work out again, in the writing
-- transaction, as plain appends to report_dirty_months (no unique key: a write never waits on the
-- job, and a mark the job cannot see yet survives its run). A report never reads a marked month
-- from the roll-up, so it is exact whether or not the job has run. Statement-level with transition
-- tables: a bulk insert marks each of its hub-months once. A booking lasts at most 7 days, so the
-- local months of its start and of its end are all the months it touches.
CREATE FUNCTION report_mark_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_dirty_months (hub_id, month)
      SELECT DISTINCT n.hub_id, to_char(t.at AT TIME ZONE h.timezone, 'YYYY-MM')
      FROM new_rows n JOIN hubs h ON h.id = n.hub_id CROSS JOIN LATERAL (VALUES (n.starts_at), (n.ends_at)) t(at)
      WHERE n.status IN ('confirmed', 'completed', 'cancelled');
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO report_dirty_months (hub_id, month)
      SELECT DISTINCT o.hub_id, to_char(t.at AT TIME ZONE h.timezone, 'YYYY-MM')
      FROM old_rows o JOIN hubs h ON h.id = o.hub_id CROSS JOIN LATERAL (VALUES (o.starts_at), (o.ends_at)) t(at)
      WHERE o.status IN ('confirmed', 'completed', 'cancelled');
  ELSE
    -- Where a counted booking was and where it is now, when anything the report reads changed
    -- (confirmed to completed changes nothing: both are used).
    INSERT INTO report_dirty_months (hub_id, month)
      SELECT DISTINCT x.hub_id, to_char(t.at AT TIME ZONE h.timezone, 'YYYY-MM')
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      CROSS JOIN LATERAL (VALUES (o.hub_id, o.starts_at, o.ends_at, o.status), (n.hub_id, n.starts_at, n.ends_at, n.status)) x(hub_id, starts_at, ends_at, status)
      JOIN hubs h ON h.id = x.hub_id
      CROSS JOIN LATERAL (VALUES (x.starts_at), (x.ends_at)) t(at)
      WHERE x.status IN ('confirmed', 'completed', 'cancelled')
        AND ((o.hub_id, o.room_id, o.organisation_id, o.starts_at, o.ends_at) IS DISTINCT FROM (n.hub_id, n.room_id, n.organisation_id, n.starts_at, n.ends_at)
          OR o.price IS DISTINCT FROM n.price
          OR (CASE o.status WHEN 'cancelled' THEN 'c' WHEN 'confirmed' THEN 'u' WHEN 'completed' THEN 'u' ELSE 'n' END)
             IS DISTINCT FROM (CASE n.status WHEN 'cancelled' THEN 'c' WHEN 'confirmed' THEN 'u' WHEN 'completed' THEN 'u' ELSE 'n' END));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER bookings_report_insert AFTER INSERT ON bookings
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_mark_bookings();
--> statement-breakpoint
CREATE TRIGGER bookings_report_update AFTER UPDATE ON bookings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_mark_bookings();
--> statement-breakpoint
CREATE TRIGGER bookings_report_delete AFTER DELETE ON bookings
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION report_mark_bookings();
--> statement-breakpoint
-- Every rolled-up month of a hub whose doors or zone change: keypad doors decide no-shows, the
-- zone decides where months start.
CREATE FUNCTION report_mark_hub() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  hub uuid;
BEGIN
  IF TG_TABLE_NAME = 'hubs' THEN
    IF OLD.timezone IS NOT DISTINCT FROM NEW.timezone THEN RETURN NULL; END IF;
    hub := NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    hub := OLD.hub_id;
  ELSE
    hub := NEW.hub_id;
    IF TG_OP = 'UPDATE' AND OLD.hub_id IS DISTINCT FROM NEW.hub_id THEN
      INSERT INTO report_dirty_months (hub_id, month) SELECT hub_id, month FROM report_months WHERE hub_id = OLD.hub_id;
    END IF;
  END IF;
  INSERT INTO report_dirty_months (hub_id, month) SELECT hub_id, month FROM report_months WHERE hub_id = hub;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER doors_report AFTER INSERT OR UPDATE OR DELETE ON doors
  FOR EACH ROW EXECUTE FUNCTION report_mark_hub();
--> statement-breakpoint
CREATE TRIGGER hubs_report AFTER UPDATE OF timezone ON hubs
  FOR EACH ROW EXECUTE FUNCTION report_mark_hub();
--> statement-breakpoint
-- An organisation's tier counts for its bookings priced before rate cards (no tier in the price).
CREATE FUNCTION report_mark_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.verified_tier, OLD.claimed_tier) IS NOT DISTINCT FROM (NEW.verified_tier, NEW.claimed_tier) THEN RETURN NULL; END IF;
  INSERT INTO report_dirty_months (hub_id, month)
    SELECT DISTINCT b.hub_id, to_char(t.at AT TIME ZONE h.timezone, 'YYYY-MM')
    FROM bookings b JOIN hubs h ON h.id = b.hub_id CROSS JOIN LATERAL (VALUES (b.starts_at), (b.ends_at)) t(at)
    WHERE b.organisation_id = NEW.id AND (b.price ->> 'tier') IS NULL AND b.status IN ('confirmed', 'completed', 'cancelled');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER organisations_report AFTER UPDATE OF verified_tier, claimed_tier ON organisations
  FOR EACH ROW EXECUTE FUNCTION report_mark_organisation();
--> statement-breakpoint
-- The months of the bookings already stored: the job rolls them up on its first runs.
INSERT INTO report_dirty_months (hub_id, month)
  SELECT DISTINCT b.hub_id, to_char(t.at AT TIME ZONE h.timezone, 'YYYY-MM')
  FROM bookings b JOIN hubs h ON h.id = b.hub_id CROSS JOIN LATERAL (VALUES (b.starts_at), (b.ends_at)) t(at)
  WHERE b.status IN ('confirmed', 'completed', 'cancelled');
