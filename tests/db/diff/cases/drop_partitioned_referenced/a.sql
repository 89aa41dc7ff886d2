CREATE SCHEMA shard;
CREATE TABLE public.parent (id integer NOT NULL, region text NOT NULL, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE shard.parent_eu PARTITION OF public.parent FOR VALUES IN ('eu');
CREATE TABLE shard.parent_us PARTITION OF public.parent FOR VALUES IN ('us');
CREATE TABLE public.child (id integer NOT NULL, region text NOT NULL, parent_id integer,
    FOREIGN KEY (parent_id, region) REFERENCES public.parent (id, region)) PARTITION BY LIST (region);
CREATE TABLE public.child_eu PARTITION OF public.child FOR VALUES IN ('eu');
CREATE TABLE public.keep (id integer PRIMARY KEY);
