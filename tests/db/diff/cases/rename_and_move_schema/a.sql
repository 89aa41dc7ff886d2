CREATE SCHEMA s1;
CREATE SCHEMA s2;
-- s1.t1 -> s2.n1: s2.t1 is taken, s1.n1 is free (renamed first, then moved)
CREATE TABLE s1.t1 (a1 integer, b1 text);
CREATE TABLE s2.t1 (x integer);
-- s1.t2 -> s2.n2: s1.n2 is taken, s2.t2 is free (moved first, then renamed)
CREATE TABLE s1.t2 (a2 uuid);
CREATE TABLE s1.n2 (y integer);
-- s1.t3 -> s2.n3: both names in between are taken (through a temporary name)
CREATE TABLE s1.t3 (a3 date, b3 bigint);
CREATE TABLE s1.n3 (z integer);
CREATE TABLE s2.t3 (w numeric);
-- a sequence moved and renamed, with s2.q1 taken (renamed first)
CREATE SEQUENCE s1.q1 START 7;
CREATE SEQUENCE s2.q1 START 9 INCREMENT 3;
