-- The raw ledger write behind an award, for pgbench (bench/load.py passes the variables): lock
-- the student's profile row, insert the entry, update the balance. The same three statements
-- as the bare view (bench/views.py), in one round trip each; same isolation as Django (read
-- committed). Like the bare view's, the entry does not count for lifetime points and the
-- update leaves them alone, so balances, lifetime and period totals all still equal the ledger
-- and check_ledger needs no rebuild after it.
\set sid random(:min_sid, :max_sid)
BEGIN;
SELECT balance FROM portal_studentprofile WHERE id = :sid FOR UPDATE;
INSERT INTO portal_transaction
    (student_id, amount, kind, category_id, actor_id, reason, created_at, idempotency_key,
     counts_for_lifetime)
VALUES
    (:sid, :points, 'award', :cat, :actor, 'pgbench reference', now(),
     'pgbench:' || gen_random_uuid(), false);
UPDATE portal_studentprofile SET balance = balance + :points WHERE id = :sid;
END;
