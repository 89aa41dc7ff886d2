CREATE TABLE sales (id integer PRIMARY KEY, region text, amount numeric);
CREATE MATERIALIZED VIEW sales_by_region AS SELECT region, sum(amount) AS total, count(*) AS n FROM sales GROUP BY region;
CREATE UNIQUE INDEX sales_by_region_region ON sales_by_region (region);
CREATE MATERIALIZED VIEW top_sales AS SELECT id, amount FROM sales ORDER BY amount DESC LIMIT 10;
CREATE INDEX top_sales_amount ON top_sales (amount);
COMMENT ON MATERIALIZED VIEW top_sales IS 'refreshed nightly';
