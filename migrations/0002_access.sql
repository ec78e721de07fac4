CREATE TYPE "public"."access_code_kind" AS ENUM('booking', 'shift');--> statement-breakpoint
CREATE TYPE "public"."access_code_status" AS ENUM('active', 'replaced', 'revoked', 'expired');--> statement-breakpoint
CREATE TYPE "public"."door_provider" AS ENUM('keypad', 'seam', 'none');--> statement-breakpoint
CREATE TYPE "public"."entry_result" AS ENUM('granted', 'unknown_code', 'outside_window', 'revoked', 'locked_out');--> statement-breakpoint
CREATE TYPE "public"."lock_code_state" AS ENUM('none', 'pending', 'unset', 'setting', 'set', 'failed', 'removing', 'removed');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'sending', 'sent', 'failed');--> statement-breakpoint
CREATE TABLE "access_code_doors" (
	"access_code_id" uuid NOT NULL,
	"door_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"provider_code_id" text,
	"lock_state" "lock_code_state" DEFAULT 'none' NOT NULL,
	"lock_error" text,
	"lock_checked_at" timestamp with time zone,
	"alerted_at" timestamp with time zone,
	CONSTRAINT "access_code_doors_access_code_id_door_id_pk" PRIMARY KEY("access_code_id","door_id")
);
--> statement-breakpoint
CREATE TABLE "access_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hub_id" uuid NOT NULL,
	"kind" "access_code_kind" NOT NULL,
	"booking_id" uuid,
	"user_id" uuid,
	"shift_ref" text,
	"room_id" uuid,
	"booking_starts_at" timestamp with time zone,
	"booking_ends_at" timestamp with time zone,
	"code_cipher" text NOT NULL,
	"code_length" integer NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"status" "access_code_status" DEFAULT 'active' NOT NULL,
	"phone" text,
	"sent_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	"revoke_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "access_codes_window" CHECK ("access_codes"."valid_until" > "access_codes"."valid_from")
);
--> statement-breakpoint
CREATE TABLE "door_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hub_id" uuid NOT NULL,
	"door_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"granted" boolean NOT NULL,
	"result" "entry_result" NOT NULL,
	"access_code_id" uuid,
	"code_hash" text
);
--> statement-breakpoint
CREATE TABLE "door_rooms" (
	"door_id" uuid NOT NULL,
	"room_id" uuid NOT NULL,
	CONSTRAINT "door_rooms_door_id_room_id_pk" PRIMARY KEY("door_id","room_id")
);
--> statement-breakpoint
CREATE TABLE "doors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hub_id" uuid NOT NULL,
	"name" text NOT NULL,
	"provider" "door_provider" NOT NULL,
	"provider_device_id" text,
	"device_key_hash" text,
	"code_lengths" integer[],
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel" text DEFAULT 'sms' NOT NULL,
	"kind" text NOT NULL,
	"to" text NOT NULL,
	"body" text NOT NULL,
	"dedupe_key" text,
	"hub_id" uuid,
	"booking_id" uuid,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"provider_id" text,
	"provider_status" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outbox_attempts" CHECK ("outbox"."attempts" >= 0)
);
--> statement-breakpoint
ALTER TABLE "access_code_doors" ADD CONSTRAINT "access_code_doors_access_code_id_access_codes_id_fk" FOREIGN KEY ("access_code_id") REFERENCES "public"."access_codes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_code_doors" ADD CONSTRAINT "access_code_doors_door_id_doors_id_fk" FOREIGN KEY ("door_id") REFERENCES "public"."doors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_codes" ADD CONSTRAINT "access_codes_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "door_entries" ADD CONSTRAINT "door_entries_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "door_entries" ADD CONSTRAINT "door_entries_door_id_doors_id_fk" FOREIGN KEY ("door_id") REFERENCES "public"."doors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "door_entries" ADD CONSTRAINT "door_entries_access_code_id_access_codes_id_fk" FOREIGN KEY ("access_code_id") REFERENCES "public"."access_codes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "door_rooms" ADD CONSTRAINT "door_rooms_door_id_doors_id_fk" FOREIGN KEY ("door_id") REFERENCES "public"."doors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "door_rooms" ADD CONSTRAINT "door_rooms_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "doors" ADD CONSTRAINT "doors_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_code_doors_lookup_idx" ON "access_code_doors" USING btree ("door_id","code_hash");--> statement-breakpoint
CREATE INDEX "access_code_doors_lock_idx" ON "access_code_doors" USING btree ("lock_state");--> statement-breakpoint
CREATE INDEX "access_codes_booking_idx" ON "access_codes" USING btree ("booking_id");--> statement-breakpoint
CREATE INDEX "access_codes_user_idx" ON "access_codes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "access_codes_hub_idx" ON "access_codes" USING btree ("hub_id","valid_from");--> statement-breakpoint
CREATE INDEX "access_codes_room_idx" ON "access_codes" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "access_codes_revoked_by_idx" ON "access_codes" USING btree ("revoked_by");--> statement-breakpoint
CREATE INDEX "access_codes_active_until_idx" ON "access_codes" USING btree ("status","valid_until");--> statement-breakpoint
CREATE INDEX "door_entries_hub_at_idx" ON "door_entries" USING btree ("hub_id","at");--> statement-breakpoint
CREATE INDEX "door_entries_door_at_idx" ON "door_entries" USING btree ("door_id","at");--> statement-breakpoint
CREATE INDEX "door_entries_code_idx" ON "door_entries" USING btree ("access_code_id");--> statement-breakpoint
CREATE INDEX "door_rooms_room_idx" ON "door_rooms" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "doors_hub_idx" ON "doors" USING btree ("hub_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_key" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_hub_idx" ON "outbox" USING btree ("hub_id");--> statement-breakpoint
CREATE INDEX "outbox_booking_idx" ON "outbox" USING btree ("booking_id");--> statement-breakpoint
-- No two active codes with the same digits (same keyed hash) may overlap in time on one door.
ALTER TABLE "access_code_doors" ADD CONSTRAINT "access_code_doors_no_clash"
  EXCLUDE USING gist ("door_id" WITH =, "code_hash" WITH =, tstzrange("valid_from", "valid_until", '[)') WITH &&)
  WHERE ("active");
