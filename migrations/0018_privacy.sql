CREATE TABLE "erasures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"erased_by" uuid,
	"reason" text NOT NULL,
	"summary" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organisations" ALTER COLUMN "contact_phone" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "access_codes" ADD COLUMN "entered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "redacted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "erasures" ADD CONSTRAINT "erasures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "erasures" ADD CONSTRAINT "erasures_erased_by_users_id_fk" FOREIGN KEY ("erased_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "erasures_user_idx" ON "erasures" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "erasures_erased_by_idx" ON "erasures" USING btree ("erased_by");--> statement-breakpoint
CREATE INDEX "bookings_contact_phone_idx" ON "bookings" USING btree ("contact_phone");--> statement-breakpoint
CREATE INDEX "bookings_contact_phone_ends_idx" ON "bookings" USING btree ("ends_at") WHERE "bookings"."contact_phone" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "access_codes_phone_until_idx" ON "access_codes" USING btree ("valid_until") WHERE "access_codes"."phone" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "door_entries_at_idx" ON "door_entries" USING btree ("at");--> statement-breakpoint
CREATE INDEX "outbox_to_idx" ON "outbox" USING btree ("to");--> statement-breakpoint
CREATE INDEX "outbox_unredacted_idx" ON "outbox" USING btree ("created_at") WHERE "outbox"."redacted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "invitations_lapsed_idx" ON "invitations" USING btree ("expires_at") WHERE "invitations"."accepted_at" IS NULL;