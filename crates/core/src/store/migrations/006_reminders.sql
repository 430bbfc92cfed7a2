-- 006: expiry reminders and stale keys.

-- Which reminder thresholds each token's expiry has had: one row per (token, the expiry it was
-- for, days before it). `sent` is 1 for the reminder that was sent (its `reminded` event is in
-- `events`), 0 for a threshold passed over because a nearer one was crossed at the same time.
-- Keyed by the expiry, so a token given a new expiry gets its thresholds again. The app and
-- `tok remind` claim rows in one write transaction, so a reminder is never sent twice.
CREATE TABLE reminders (
    token_id    TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL,
    days        INTEGER NOT NULL,
    at          TEXT NOT NULL,
    sent        INTEGER NOT NULL CHECK (sent IN (0, 1)),
    PRIMARY KEY (token_id, expires_at, days)
) STRICT, WITHOUT ROWID;

-- Stale keys: the summary's count and the `unused for N days` filter read a range of this index
-- (active tokens by the time they were last used, or created if never used; with the expiry, so
-- the count leaves expired ones out without reading rows). The expressions are tokens.rs's
-- LAST_SEEN and EXPIRES, written the same way so SQLite matches them.
CREATE INDEX tokens_status_last_seen ON tokens(status,
    (CASE WHEN last_used_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN last_used_at
          WHEN created_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN created_at ELSE '' END),
    (CASE WHEN expires_at GLOB '[0-9][0-9][0-9][0-9]-*' THEN expires_at END));
