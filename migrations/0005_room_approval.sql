CREATE TYPE "public"."approval_mode" AS ENUM('none', 'first_time', 'all');--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "approval" "approval_mode";