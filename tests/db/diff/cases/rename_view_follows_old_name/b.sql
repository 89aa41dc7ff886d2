-- x.data is renamed to x.t_data and a view takes its name: x.q and x.m read the table by OID,
-- so they would follow it; their definitions name x.data, so they must read the new view.
CREATE SCHEMA x;
CREATE TABLE x.t_data (id uuid, name text);
CREATE VIEW x.data AS SELECT * FROM x.t_data;
CREATE VIEW x.q AS SELECT * FROM x.data;
COMMENT ON VIEW x.q IS 'kept through the replace';
GRANT SELECT ON x.q TO PUBLIC;
CREATE VIEW x.r AS SELECT name FROM x.q;
CREATE MATERIALIZED VIEW x.m AS SELECT id FROM x.data;
