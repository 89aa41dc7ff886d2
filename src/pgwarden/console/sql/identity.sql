-- The cluster identity pinned by the guardian (the data-loss alarm compares the live cluster with it).
SELECT system_identifier, pinned_at, pinned_by FROM pgwarden.identity WHERE id = 1
