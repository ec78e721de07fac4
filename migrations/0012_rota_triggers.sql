-- The rota follows bookings: every change to a confirmed (or completed) booking's time, hub or
-- status, and every change to a hub's staffed hours or rota rules, leaves a row in rota_pending
-- in the same transaction. The rota module drains them (after the request, and in a job), so a
-- crash between the booking change and the shift change loses nothing. Statement-level triggers
-- with transition tables: a bulk insert (an import, the benchmark's seed) queues one span per hub
-- instead of firing once per row.
CREATE FUNCTION rota_bookings_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rota_pending (hub_id, from_at, to_at)
    SELECT n.hub_id, min(n.starts_at), max(n.ends_at)
    FROM new_rows n JOIN hubs h ON h.id = n.hub_id AND h.settings ? 'staffedHours'
    WHERE n.status IN ('confirmed', 'completed')
    GROUP BY n.hub_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER bookings_rota_insert AFTER INSERT ON bookings
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rota_bookings_inserted();
--> statement-breakpoint
CREATE FUNCTION rota_bookings_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rota_pending (hub_id, from_at, to_at)
    SELECT x.hub_id, x.starts_at, x.ends_at
    FROM (
      -- Where a counted booking was, unless it is still counted there (completing one changes nothing).
      SELECT o.hub_id, o.starts_at, o.ends_at
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE o.status IN ('confirmed', 'completed')
        AND NOT (n.status IN ('confirmed', 'completed') AND n.hub_id = o.hub_id AND n.starts_at = o.starts_at AND n.ends_at = o.ends_at)
      UNION ALL
      -- Where a counted booking now is, unless it was counted there already.
      SELECT n.hub_id, n.starts_at, n.ends_at
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.status IN ('confirmed', 'completed')
        AND NOT (o.status IN ('confirmed', 'completed') AND n.hub_id = o.hub_id AND n.starts_at = o.starts_at AND n.ends_at = o.ends_at)
    ) x
    JOIN hubs h ON h.id = x.hub_id AND h.settings ? 'staffedHours';
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER bookings_rota_update AFTER UPDATE ON bookings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rota_bookings_updated();
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
