-- Retention: samples older than the window go, so the table stays small however long the service runs.
DELETE FROM pgwarden.invariant_samples WHERE at < now() - make_interval(secs => %(keep)s)
