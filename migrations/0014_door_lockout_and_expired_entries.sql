ALTER TYPE "public"."entry_result" ADD VALUE 'expired';--> statement-breakpoint
ALTER TABLE "doors" ADD COLUMN "lockout_cleared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "doors" ADD COLUMN "lockout_cleared_by" uuid;--> statement-breakpoint
ALTER TABLE "doors" ADD CONSTRAINT "doors_lockout_cleared_by_users_id_fk" FOREIGN KEY ("lockout_cleared_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "doors_lockout_cleared_by_idx" ON "doors" USING btree ("lockout_cleared_by");