-- sent_at used to mean "queued in the outbox"; queued_at now does, and sent_at means "accepted by
-- the SMS provider". Codes queued before this migration keep both, so none is queued again.
UPDATE "access_codes" SET "queued_at" = "sent_at", "delivery_status" = 'queued' WHERE "sent_at" IS NOT NULL AND "queued_at" IS NULL;
