-- Who holds the migration lock of this database (the table lives in it: no other database shows).
SELECT session_pid, holder, client_addr, taken_at, extract(epoch FROM expires_at - now())::float8
FROM pgwarden.locks
WHERE name = %(name)s AND NOT released
