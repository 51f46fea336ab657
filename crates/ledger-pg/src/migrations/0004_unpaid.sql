-- Store's 0004 is the clerk's unpaid list: nothing of the insurer's. Kept so the versions of the
-- two back ends stay in step.
SELECT 1;
