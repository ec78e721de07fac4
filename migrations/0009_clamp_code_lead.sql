-- codeLeadMinutes has one limit now (a week, what a code window accepts); hubs saved with more
-- would have no code issued at all, so they get the largest lead the limit allows.
UPDATE "hubs" SET "settings" = jsonb_set("settings", '{codeLeadMinutes}', '10080'::jsonb)
WHERE ("settings"->>'codeLeadMinutes')::int > 10080;
