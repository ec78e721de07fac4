ALTER TABLE "tier_verifications" ADD COLUMN "pays_by_invoice" boolean;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "request_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "refund_basis_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "bookings_request_expires_idx" ON "bookings" USING btree ("request_expires_at");