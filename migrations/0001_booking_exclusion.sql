-- No two blocking bookings of one room may overlap, the room's clean-up buffer included.
-- The database enforces it (SQLSTATE 23P01), so no code path can double-book.
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap"
  EXCLUDE USING gist ("room_id" WITH =, tstzrange("starts_at", "blocked_until", '[)') WITH &&)
  WHERE ("status" IN ('requested', 'awaiting_payment', 'confirmed'));
