CREATE TYPE "public"."offline_payment_method" AS ENUM('cash', 'bank_transfer', 'cheque');--> statement-breakpoint
ALTER TYPE "public"."payment_method" ADD VALUE 'offline';--> statement-breakpoint
ALTER TYPE "public"."refund_status" ADD VALUE 'owed';--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "offline_method" "offline_payment_method";--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "reference" text;