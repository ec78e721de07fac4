ALTER TABLE "doors" ADD COLUMN "lockout_lifted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "doors" ADD COLUMN "lockout_lifted_by" uuid;--> statement-breakpoint
ALTER TABLE "doors" ADD CONSTRAINT "doors_lockout_lifted_by_access_codes_id_fk" FOREIGN KEY ("lockout_lifted_by") REFERENCES "public"."access_codes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "doors_lockout_lifted_by_idx" ON "doors" USING btree ("lockout_lifted_by");