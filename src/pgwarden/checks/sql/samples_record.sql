-- One sample per invariant run by the active instance (violations NULL: the check failed).
INSERT INTO pgwarden.invariant_samples (invariant, at, violations, lag_p95_seconds)
VALUES (%(invariant)s, %(at)s, %(violations)s, %(lag)s)
ON CONFLICT (invariant, at) DO NOTHING
