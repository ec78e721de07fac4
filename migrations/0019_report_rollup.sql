CREATE TABLE "report_dirty_months" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"hub_id" uuid NOT NULL,
	"month" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "report_months" (
	"hub_id" uuid NOT NULL,
	"month" text NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"has_keypad" boolean NOT NULL,
	"settle_at" timestamp with time zone,
	CONSTRAINT "report_months_hub_id_month_pk" PRIMARY KEY("hub_id","month")
);
--> statement-breakpoint
CREATE TABLE "report_room_months" (
	"hub_id" uuid NOT NULL,
	"month" text NOT NULL,
	"room_id" uuid NOT NULL,
	"bookings" integer NOT NULL,
	"used_ms" bigint NOT NULL,
	CONSTRAINT "report_room_months_hub_id_month_room_id_pk" PRIMARY KEY("hub_id","month","room_id")
);
--> statement-breakpoint
CREATE TABLE "report_usage_months" (
	"hub_id" uuid NOT NULL,
	"month" text NOT NULL,
	"tier" text NOT NULL,
	"organisation_id" uuid NOT NULL,
	"bookings" integer NOT NULL,
	"used_ms" bigint NOT NULL,
	"income_pence" bigint NOT NULL,
	"subsidy_pence" bigint NOT NULL,
	"cancellations" integer NOT NULL,
	"no_shows" integer NOT NULL,
	CONSTRAINT "report_usage_months_hub_id_month_tier_organisation_id_pk" PRIMARY KEY("hub_id","month","tier","organisation_id")
);
--> statement-breakpoint
ALTER TABLE "report_months" ADD CONSTRAINT "report_months_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_room_months" ADD CONSTRAINT "report_room_months_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_room_months" ADD CONSTRAINT "report_room_months_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_usage_months" ADD CONSTRAINT "report_usage_months_hub_id_hubs_id_fk" FOREIGN KEY ("hub_id") REFERENCES "public"."hubs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "report_dirty_months_hub_month_idx" ON "report_dirty_months" USING btree ("hub_id","month");--> statement-breakpoint
CREATE INDEX "report_months_settle_idx" ON "report_months" USING btree ("settle_at") WHERE "report_months"."settle_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "report_room_months_room_idx" ON "report_room_months" USING btree ("room_id");