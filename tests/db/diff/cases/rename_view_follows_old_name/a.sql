CREATE SCHEMA x;
CREATE TABLE x.data (id uuid, name text);
CREATE VIEW x.q AS SELECT * FROM x.data;
COMMENT ON VIEW x.q IS 'kept through the replace';
GRANT SELECT ON x.q TO PUBLIC;
CREATE VIEW x.r AS SELECT name FROM x.q;
CREATE MATERIALIZED VIEW x.m AS SELECT id FROM x.data;
