CREATE TABLE items (id integer, name text, gone text);
CREATE VIEW items_v AS SELECT id, name FROM items;
-- recreated (a column in the middle): its trigger must come back with it
CREATE VIEW changed_v AS SELECT id, gone, name FROM items;
CREATE FUNCTION items_v_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO items (id, name) VALUES (NEW.id, NEW.name); RETURN NEW; END $$;
CREATE TRIGGER changed_insert INSTEAD OF INSERT ON changed_v FOR EACH ROW EXECUTE FUNCTION items_v_insert();
CREATE TRIGGER items_v_insert INSTEAD OF INSERT ON items_v FOR EACH ROW EXECUTE FUNCTION items_v_insert();
CREATE VIEW new_v AS SELECT id FROM items;
CREATE TRIGGER new_insert INSTEAD OF INSERT ON new_v FOR EACH ROW EXECUTE FUNCTION items_v_insert();
