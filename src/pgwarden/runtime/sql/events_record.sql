-- One event of one instance of the lease %(name)s.
INSERT INTO pgwarden.events (name, instance, kind, outcome, summary)
VALUES (%(name)s, %(instance)s, %(kind)s, %(outcome)s, %(summary)s)
