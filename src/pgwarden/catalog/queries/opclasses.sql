-- The default btree operator class of each type: an index key using its column type's default
-- operator class is spelled without one (see indexes.sql and catalog/_indexes.py).
SELECT opc.oid, opc.opcintype
FROM pg_catalog.pg_opclass opc
JOIN pg_catalog.pg_am am ON am.oid = opc.opcmethod
WHERE opc.opcdefault AND am.amname = 'btree'
