CREATE TABLE users (id integer PRIMARY KEY, email text);
CREATE FUNCTION short_id() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT substr(md5(random()::text), 1, 8) $$;
CREATE FUNCTION is_slug(value text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT value ~ '^[a-z0-9-]+$' $$;
CREATE FUNCTION norm(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(trim(value)) $$;
CREATE TABLE links (
    id text PRIMARY KEY DEFAULT short_id(),
    slug text NOT NULL CHECK (is_slug(slug)),
    owner integer REFERENCES users (id),
    normal text GENERATED ALWAYS AS (norm(slug)) STORED
);
CREATE UNIQUE INDEX links_norm_slug ON links (norm(slug));
ALTER TABLE users ADD COLUMN handle text DEFAULT short_id();
CREATE FUNCTION links_of(owner_id integer) RETURNS SETOF links LANGUAGE sql STABLE AS $$ SELECT * FROM links WHERE owner = owner_id $$;
CREATE VIEW link_slugs AS SELECT id, norm(slug) AS slug FROM links;
CREATE FUNCTION slugs() RETURNS SETOF link_slugs LANGUAGE sql STABLE AS $$ SELECT * FROM link_slugs $$;
