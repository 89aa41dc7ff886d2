-- The invariant samples of the last %(window)s seconds, oldest first, thinned to at most %(points)s per invariant.
SELECT invariant, extract(epoch FROM at)::float8 AS at, violations, lag_p95_seconds
FROM (
    SELECT invariant, at, violations, lag_p95_seconds,
           row_number() OVER (PARTITION BY invariant ORDER BY at DESC) AS n,
           count(*) OVER (PARTITION BY invariant) AS total
    FROM pgwarden.invariant_samples
    WHERE at > now() - make_interval(secs => %(window)s)
) s
WHERE (n - 1) %% greatest(1, ceil(total::float8 / %(points)s)::int) = 0
ORDER BY invariant, at
