-- 005: the dashboard reads one window of rows, its total and its counts, at a cost that does not
-- grow with the store (store/tokens.rs: page, summary, expiry_weeks). Everything below is kept
-- in step with `tokens` by triggers, so it changes in the same transaction as the rows, whatever
-- code writes them.

-- Text search: a trigram index over the fields `ListQuery.text` matches, found as substrings.
-- Its rows are numbered by token_search_key, whose INTEGER PRIMARY KEY keeps the numbers stable
-- (the tokens table has none, and VACUUM may renumber the rowids of such a table).
CREATE TABLE token_search_key (
    n         INTEGER PRIMARY KEY,
    token_id  TEXT NOT NULL UNIQUE
) STRICT;
CREATE VIRTUAL TABLE token_search USING fts5(
    name, description, service, hint, scopes,
    tokenize = 'trigram case_sensitive 0'
);

-- How many rows hold each stored status, so the unfiltered totals cost one read.
CREATE TABLE token_counts (
    status  TEXT PRIMARY KEY,
    n       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO token_search_key (token_id) SELECT id FROM tokens ORDER BY id;
INSERT INTO token_search (rowid, name, description, service, hint, scopes)
    SELECT k.n, t.name, t.description, ifnull(t.service, ''), t.hint, t.scopes
    FROM tokens t JOIN token_search_key k ON k.token_id = t.id;
INSERT INTO token_counts (status, n)
    SELECT s.status, (SELECT count(*) FROM tokens WHERE tokens.status = s.status)
    FROM (SELECT 'active' AS status UNION ALL SELECT 'disabled' UNION ALL SELECT 'deleted') s;

CREATE TRIGGER tokens_after_insert AFTER INSERT ON tokens BEGIN
    INSERT INTO token_search_key (token_id) VALUES (new.id);
    INSERT INTO token_search (rowid, name, description, service, hint, scopes)
        VALUES ((SELECT n FROM token_search_key WHERE token_id = new.id),
                new.name, new.description, ifnull(new.service, ''), new.hint, new.scopes);
    UPDATE token_counts SET n = n + 1 WHERE status = new.status;
END;

CREATE TRIGGER tokens_after_update_text
AFTER UPDATE OF name, description, service, hint, scopes ON tokens
WHEN old.name IS NOT new.name OR old.description IS NOT new.description
  OR old.service IS NOT new.service OR old.hint IS NOT new.hint OR old.scopes IS NOT new.scopes
BEGIN
    UPDATE token_search
        SET name = new.name, description = new.description, service = ifnull(new.service, ''),
            hint = new.hint, scopes = new.scopes
        WHERE rowid = (SELECT n FROM token_search_key WHERE token_id = new.id);
END;

CREATE TRIGGER tokens_after_update_status AFTER UPDATE OF status ON tokens
WHEN old.status IS NOT new.status BEGIN
    UPDATE token_counts SET n = n - 1 WHERE status = old.status;
    UPDATE token_counts SET n = n + 1 WHERE status = new.status;
END;

CREATE TRIGGER tokens_after_delete AFTER DELETE ON tokens BEGIN
    DELETE FROM token_search WHERE rowid = (SELECT n FROM token_search_key WHERE token_id = old.id);
    DELETE FROM token_search_key WHERE token_id = old.id;
    UPDATE token_counts SET n = n - 1 WHERE status = old.status;
END;

-- The distinct scopes of live tokens, for the dashboard's scope filter, with how many live
-- tokens hold each (a row goes when its count reaches 0). Scopes that are not a JSON array of
-- strings (a bad row an older version wrote) count as none, as the list reads them.
CREATE TABLE token_scopes (
    scope  TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO token_scopes (scope, n)
    SELECT j.value, count(DISTINCT t.id)
    FROM tokens t, json_each(CASE WHEN json_valid(t.scopes) AND json_type(t.scopes) = 'array'
                             THEN t.scopes ELSE '[]' END) j
    WHERE t.status != 'deleted' AND j.type = 'text'
    GROUP BY j.value;

CREATE TRIGGER tokens_scopes_after_insert AFTER INSERT ON tokens
WHEN new.status != 'deleted' BEGIN
    INSERT INTO token_scopes (scope, n)
        SELECT DISTINCT value, 1
        FROM json_each(CASE WHEN json_valid(new.scopes) AND json_type(new.scopes) = 'array'
                       THEN new.scopes ELSE '[]' END)
        WHERE type = 'text'
        ON CONFLICT (scope) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tokens_scopes_after_update AFTER UPDATE OF scopes, status ON tokens
WHEN old.scopes IS NOT new.scopes OR old.status IS NOT new.status BEGIN
    UPDATE token_scopes SET n = n - 1
        WHERE old.status != 'deleted' AND scope IN (
            SELECT value
            FROM json_each(CASE WHEN json_valid(old.scopes) AND json_type(old.scopes) = 'array'
                           THEN old.scopes ELSE '[]' END)
            WHERE type = 'text');
    INSERT INTO token_scopes (scope, n)
        SELECT DISTINCT value, 1
        FROM json_each(CASE WHEN json_valid(new.scopes) AND json_type(new.scopes) = 'array'
                       THEN new.scopes ELSE '[]' END)
        WHERE type = 'text' AND new.status != 'deleted'
        ON CONFLICT (scope) DO UPDATE SET n = n + 1;
    DELETE FROM token_scopes WHERE n <= 0;
END;

CREATE TRIGGER tokens_scopes_after_delete AFTER DELETE ON tokens
WHEN old.status != 'deleted' BEGIN
    UPDATE token_scopes SET n = n - 1
        WHERE scope IN (
            SELECT value
            FROM json_each(CASE WHEN json_valid(old.scopes) AND json_type(old.scopes) = 'array'
                           THEN old.scopes ELSE '[]' END)
            WHERE type = 'text');
    DELETE FROM token_scopes WHERE n <= 0;
END;

-- The summary strip, the timeline and the state filters count ranges of this index. The
-- expression is tokens.rs's EXPIRES, written the same way so SQLite matches it.
CREATE INDEX tokens_status_expires ON tokens(status,
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END));

-- One index per sort key over live tokens, in the order the list asks for (ties by name, then
-- id), so a page is read in order and stops at its end. Sorting by name uses tokens_live_name.
-- Keys whose ORDER BY puts NULLs last, or whose ties are many, need one per direction.
CREATE INDEX tokens_live_created ON tokens(created_at, name_key, id) WHERE status != 'deleted';
CREATE INDEX tokens_live_created_desc ON tokens(created_at DESC, name_key, id)
    WHERE status != 'deleted';
CREATE INDEX tokens_live_last_used ON tokens(last_used_at IS NULL, last_used_at, name_key, id)
    WHERE status != 'deleted';
CREATE INDEX tokens_live_last_used_desc
    ON tokens(last_used_at IS NULL, last_used_at DESC, name_key, id) WHERE status != 'deleted';
CREATE INDEX tokens_live_expires ON tokens(
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END) IS NULL,
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END), name_key, id)
    WHERE status != 'deleted';
CREATE INDEX tokens_live_expires_desc ON tokens(
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END) IS NULL,
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END) DESC, name_key, id)
    WHERE status != 'deleted';
CREATE INDEX tokens_live_status ON tokens(status, name_key, id) WHERE status != 'deleted';
CREATE INDEX tokens_live_status_desc ON tokens(status DESC, name_key, id)
    WHERE status != 'deleted';
CREATE INDEX tokens_live_service
    ON tokens(service IS NULL, service COLLATE NOCASE, name_key, id) WHERE status != 'deleted';
CREATE INDEX tokens_live_service_desc
    ON tokens(service IS NULL, service COLLATE NOCASE DESC, name_key, id)
    WHERE status != 'deleted';
