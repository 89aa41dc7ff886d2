CREATE TABLE products (id integer CONSTRAINT products_pk PRIMARY KEY, sku text, price numeric);
ALTER TABLE products ADD CONSTRAINT sku_unique UNIQUE (sku);
ALTER TABLE products ADD CONSTRAINT price_check CHECK (price > 0);
CREATE INDEX products_price_index ON products (price);
