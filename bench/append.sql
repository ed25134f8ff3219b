-- pgbench script: one payment event appended to the client's own stream with an expected-version
-- check in the same transaction (the usual event store on PostgreSQL).
\set m random(1, :members)
BEGIN;
SELECT coalesce(max(version), 0) AS v FROM events WHERE stream = 'member-' || :client_id \gset
INSERT INTO events (stream, version, data) VALUES ('member-' || :client_id, :v + 1,
  jsonb_build_object('type', 'PaymentRecorded', 'member_id', :m, 'amount', 1000,
                     'method', 'bank_transfer', 'received_on', '2026-05-01'));
COMMIT;
