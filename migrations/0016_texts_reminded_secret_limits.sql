DROP INDEX "outbox_hub_idx";--> statement-breakpoint
DROP INDEX "outbox_booking_idx";--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "reminded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "secret_cipher" text;--> statement-breakpoint
CREATE INDEX "bookings_to_remind_idx" ON "bookings" USING btree ("hub_id","starts_at") WHERE "bookings"."status" = 'confirmed' AND "bookings"."reminded_at" IS NULL;--> statement-breakpoint
CREATE INDEX "outbox_hub_created_idx" ON "outbox" USING btree ("hub_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_booking_created_idx" ON "outbox" USING btree ("booking_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_to_created_idx" ON "outbox" USING btree ("to","created_at");