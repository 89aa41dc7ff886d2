-- The newest takeovers of every lease, newest first: who took over from whom, and why.
SELECT name, epoch, holder::text, previous::text, reason, at
FROM pgwarden.takeovers
ORDER BY id DESC
LIMIT %(limit)s
