-- The ratings table partitioned by month, measured beside the plain one (docs/deploy.md, "Past one
-- database"). Run on a database built with `rating-portal demo-data --ratings N` (PostgreSQL):
--
--     psql -h 127.0.0.1 -U postgres -d scale_bench -f bench/partitioning.sql
--
-- It copies `ratings` into `ratings_by_month` (one partition per calendar month, UTC bounds), with the
-- indexes the staff pages use, compares a month's reads and the removal of the oldest month, and drops
-- the copy again. Nothing of the application's own tables changes.

\timing on
\set ON_ERROR_STOP on

DROP TABLE IF EXISTS ratings_by_month;
-- The partition key must belong to every unique index: the primary key becomes (id, submitted_at),
-- and submission_key (the form's nonce) is unique per month only (see docs/deploy.md).
CREATE TABLE ratings_by_month (LIKE ratings INCLUDING DEFAULTS) PARTITION BY RANGE (submitted_at);

DO $$
DECLARE month date;
BEGIN
    FOR month IN
        SELECT generate_series(
            date_trunc('month', (SELECT min(submitted_at) FROM ratings))::date,
            date_trunc('month', (SELECT max(submitted_at) FROM ratings))::date,
            interval '1 month')::date
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF ratings_by_month FOR VALUES FROM (%L) TO (%L)',
                       'ratings_m' || to_char(month, 'YYYY_MM'), month, month + interval '1 month');
    END LOOP;
END $$;

INSERT INTO ratings_by_month SELECT * FROM ratings;
ALTER TABLE ratings_by_month ADD PRIMARY KEY (id, submitted_at);
CREATE UNIQUE INDEX ON ratings_by_month (submission_key, submitted_at);
CREATE INDEX ON ratings_by_month (unit_id, submitted_at);
CREATE INDEX ON ratings_by_month (employee_id, submitted_at);
CREATE INDEX ON ratings_by_month (counter_id, device_hash, submitted_at);
CREATE INDEX ON ratings_by_month (submitted_at);
VACUUM ANALYZE ratings_by_month;
ANALYZE ratings;

\echo sizes: the plain table with its indexes, the partitioned one, the largest partition
SELECT pg_size_pretty(pg_total_relation_size('ratings')) AS plain,
       (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits
         WHERE inhparent = 'ratings_by_month'::regclass) AS partitioned,
       (SELECT pg_size_pretty(max(pg_total_relation_size(inhrelid))) FROM pg_inherits
         WHERE inhparent = 'ratings_by_month'::regclass) AS largest_month;

\echo one unit, one month (what scoring and the review queue read): plain, then partitioned
SELECT date_trunc('month', max(submitted_at) - interval '1 month') AS m FROM ratings \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT count(*), sum(u1), sum(overall) FROM ratings
 WHERE unit_id = 2 AND submitted_at >= :'m' AND submitted_at < :'m'::timestamp + interval '1 month';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT count(*), sum(u1), sum(overall) FROM ratings_by_month
 WHERE unit_id = 2 AND submitted_at >= :'m' AND submitted_at < :'m'::timestamp + interval '1 month';

\echo the whole city, one month: plain, then partitioned
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT count(*), sum(u1) FROM ratings WHERE submitted_at >= :'m' AND submitted_at < :'m'::timestamp + interval '1 month';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT count(*), sum(u1) FROM ratings_by_month WHERE submitted_at >= :'m' AND submitted_at < :'m'::timestamp + interval '1 month';

\echo retention, the oldest month: DELETE from the plain table, then DETACH and DROP a partition (both rolled back)
SELECT min(submitted_at) AS oldest FROM ratings \gset
BEGIN;
DELETE FROM ratings WHERE submitted_at < date_trunc('month', :'oldest'::timestamp) + interval '1 month';
ROLLBACK;
SELECT 'ratings_m' || to_char(:'oldest'::timestamp, 'YYYY_MM') AS oldest_partition \gset
BEGIN;
ALTER TABLE ratings_by_month DETACH PARTITION :oldest_partition;
DROP TABLE :oldest_partition;
ROLLBACK;

DROP TABLE ratings_by_month;
