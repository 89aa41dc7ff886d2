-- The handler of a claimed update finished: no replica, leader or redelivery handles it again.
UPDATE pgwarden.updates SET state = 'done', done_at = now()
WHERE name = %(name)s AND update_id = %(update_id)s AND holder = %(holder)s
RETURNING update_id
