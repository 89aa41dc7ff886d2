CREATE TABLE items (id integer, name text, gone text);
CREATE VIEW items_v AS SELECT id, name FROM items;
CREATE VIEW changed_v AS SELECT id, name FROM items;
CREATE FUNCTION items_v_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO items (id, name) VALUES (NEW.id, NEW.name); RETURN NEW; END $$;
CREATE TRIGGER changed_insert INSTEAD OF INSERT ON changed_v FOR EACH ROW EXECUTE FUNCTION items_v_insert();
CREATE TRIGGER stale INSTEAD OF DELETE ON items_v FOR EACH ROW EXECUTE FUNCTION items_v_insert();
