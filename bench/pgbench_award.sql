-- The raw ledger write behind award_points, for pgbench (bench/load.py passes the variables):
-- lock the student's profile row, insert the entry, update the cached totals. The rows it
-- writes are consistent (check_ledger still passes). Same isolation as Django (read committed).
\set sid random(:min_sid, :max_sid)
BEGIN;
SELECT balance FROM portal_studentprofile WHERE id = :sid FOR UPDATE;
INSERT INTO portal_transaction
    (student_id, amount, kind, category_id, actor_id, reason, created_at, idempotency_key,
     counts_for_lifetime)
VALUES
    (:sid, :points, 'award', :cat, :actor, 'pgbench reference', now(),
     'pgbench:' || gen_random_uuid(), true);
UPDATE portal_studentprofile
    SET balance = balance + :points, lifetime_points = lifetime_points + :points
    WHERE id = :sid;
END;
