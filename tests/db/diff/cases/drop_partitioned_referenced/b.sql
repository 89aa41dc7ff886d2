-- Dropping a partitioned table, its partitions in another schema, and a partitioned table
-- whose foreign key (inherited by its partitions) references it: one DROP for all of them.
CREATE TABLE public.keep (id integer PRIMARY KEY);
