CREATE TYPE "public"."attendance_status" AS ENUM('attended', 'no_show', 'excused');--> statement-breakpoint
CREATE TYPE "public"."shift_role" AS ENUM('opener', 'closer', 'caretaker', 'welcome', 'events');--> statement-breakpoint
CREATE TYPE "public"."shift_source" AS ENUM('staff', 'booking');--> statement-breakpoint
CREATE TYPE "public"."shift_state" AS ENUM('active', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."signup_status" AS ENUM('confirmed', 'waitlisted', 'withdrawn', 'removed', 'replaced');--> statement-breakpoint
CREATE TABLE "calendar_tokens" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"token_cipher" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rota_pending" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"hub_id" uuid NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shift_series" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hub_id" uuid NOT NULL,
	"rule" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shift_signups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"shift_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "signup_status" NOT NULL,
	"cover_requested_at" timestamp with time zone,
	"attendance" "attendance_status",
	"attended_minutes" integer,
	"attendance_at" timestamp with time zone,
	"override_rules" text[],
	"assigned_by" uuid,
	"access_code_id" uuid,
	"code_state" text,
	"reminder_sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shift_signups_minutes" CHECK ("shift_signups"."attended_minutes" IS NULL OR "shift_signups"."attended_minutes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "shifts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hub_id" uuid NOT NULL,
	"series_id" uuid,
	"role" "shift_role" NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"volunteers_needed" integer NOT NULL,
	"title" text,
	"notes" text,
	"source" "shift_source" NOT NULL,
	"booking_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"state" "shift_state" DEFAULT 'active' NOT NULL,
	"cancel_reason" text,
	"sequence" integer DEFAULT 0 NOT NULL,
	"unfilled_alert_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shifts_interval" CHECK ("shifts"."ends_at" > "shifts"."starts_at"),
	CONSTRAINT "shifts_needed" CHECK ("shifts"."volunteers_needed" >= 1)
);
--> statement-breakpoint
CREATE TABLE "volunteer_profiles" (
	"hub_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"trained_roles" "shift_role"[] DEFAULT '{}'::shift_role[] NOT NULL,
	"notes" text,
	"no_shows_cleared_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "volunteer_profiles_hub_id_user_id_pk" PRIMARY KEY("hub_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "calendar_tokens" ADD CONSTRAINT "calendar_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rota_pending" ADD CONSTRAINT "rota_pending_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_series" ADD CONSTRAINT "shift_series_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_series" ADD CONSTRAINT "shift_series_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_signups" ADD CONSTRAINT "shift_signups_shift_id_shifts_id_fk" FOREIGN KEY ("shift_id") REFERENCES "public"."shifts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_signups" ADD CONSTRAINT "shift_signups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_signups" ADD CONSTRAINT "shift_signups_assigned_by_users_id_fk" FOREIGN KEY ("assigned_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_series_id_shift_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."shift_series"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shifts" ADD CONSTRAINT "shifts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_profiles" ADD CONSTRAINT "volunteer_profiles_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volunteer_profiles" ADD CONSTRAINT "volunteer_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_tokens_hash_key" ON "calendar_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "rota_pending_hub_idx" ON "rota_pending" USING btree ("hub_id","id");--> statement-breakpoint
CREATE INDEX "shift_series_hub_idx" ON "shift_series" USING btree ("hub_id");--> statement-breakpoint
CREATE INDEX "shift_series_created_by_idx" ON "shift_series" USING btree ("created_by");--> statement-breakpoint
CREATE UNIQUE INDEX "shift_signups_one_live" ON "shift_signups" USING btree ("shift_id","user_id") WHERE "shift_signups"."status" IN ('confirmed', 'waitlisted');--> statement-breakpoint
CREATE INDEX "shift_signups_shift_idx" ON "shift_signups" USING btree ("shift_id","status","created_at");--> statement-breakpoint
CREATE INDEX "shift_signups_user_idx" ON "shift_signups" USING btree ("user_id","status");--> statement-breakpoint
CREATE INDEX "shift_signups_assigned_by_idx" ON "shift_signups" USING btree ("assigned_by");--> statement-breakpoint
CREATE INDEX "shifts_hub_starts_idx" ON "shifts" USING btree ("hub_id","starts_at");--> statement-breakpoint
CREATE INDEX "shifts_series_idx" ON "shifts" USING btree ("series_id");--> statement-breakpoint
CREATE INDEX "shifts_created_by_idx" ON "shifts" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "shifts_booking_ids_gin" ON "shifts" USING gin ("booking_ids");--> statement-breakpoint
CREATE INDEX "volunteer_profiles_user_idx" ON "volunteer_profiles" USING btree ("user_id");