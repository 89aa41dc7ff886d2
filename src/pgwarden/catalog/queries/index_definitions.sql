-- The definitions of the indexes whose key operator classes or collations catalog/_indexes.py
-- does not spell itself (rare: asked only when there are some).
SELECT x.oid, pg_catalog.pg_get_indexdef(x.oid)
FROM unnest(%(oids)s::oid[]) AS x(oid)
