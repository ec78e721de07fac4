-- A booking's reminder is for its start: when the start moves, the mark that it was reminded (or
-- needs no reminder) is cleared, so the reminder job weighs it again for the new start. Row-level
-- and BEFORE, so the cleared mark is written with the move itself.
CREATE FUNCTION bookings_reminder_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.starts_at IS DISTINCT FROM OLD.starts_at THEN
    NEW.reminded_at := NULL;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER bookings_reminder_reset BEFORE UPDATE OF starts_at ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_reminder_reset();
