-- Store's 0003 is the clerk's outbox: nothing of the insurer's. Kept so the versions of the two
-- back ends stay in step.
SELECT 1;
