CREATE TABLE products (id integer CONSTRAINT products_pkey PRIMARY KEY, sku text, price numeric);
ALTER TABLE products ADD CONSTRAINT products_sku_key UNIQUE (sku);
ALTER TABLE products ADD CONSTRAINT products_price_check CHECK (price > 0);
CREATE INDEX products_price_idx ON products (price);
