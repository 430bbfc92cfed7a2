-- 001: the first schema. Timestamps are RFC 3339 UTC text; secrets never appear here.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE services (
    name          TEXT PRIMARY KEY COLLATE NOCASE,
    auth_header   TEXT NOT NULL,
    token_prefix  TEXT,
    base_url      TEXT,
    max_active    INTEGER
) STRICT;

CREATE TABLE tokens (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    name_key              TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    service               TEXT REFERENCES services(name),
    origin                TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
    storage               TEXT NOT NULL CHECK (storage IN ('keychain', 'hash_only')),
    scopes                TEXT NOT NULL DEFAULT '[]',
    status                TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    fingerprint           TEXT NOT NULL,
    hint                  TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    last_used_at          TEXT,
    expires_at            TEXT,
    rotated_at            TEXT,
    deleted_at            TEXT,
    previous_fingerprint  TEXT,
    previous_valid_until  TEXT,
    secret_missing        INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Names are unique among live tokens, compared case-insensitively (name_key is the lowercased name).
CREATE UNIQUE INDEX tokens_live_name ON tokens(name_key) WHERE status != 'deleted';
-- Fingerprints are unique among live tokens and serve verification.
CREATE UNIQUE INDEX tokens_live_fingerprint ON tokens(fingerprint) WHERE status != 'deleted';
CREATE INDEX tokens_previous_fingerprint ON tokens(previous_fingerprint)
    WHERE previous_fingerprint IS NOT NULL;

CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id  TEXT NOT NULL REFERENCES tokens(id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT
) STRICT;
CREATE INDEX events_token ON events(token_id, seq);

-- Keychain writes in flight: written and committed before the keychain is touched, removed in
-- the same transaction that records the change. Whatever is left here after a crash is what
-- reconciliation at open must look at.
CREATE TABLE secret_journal (
    account    TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL,
    started_at TEXT NOT NULL
) STRICT;

INSERT INTO services (name, auth_header, token_prefix, base_url, max_active) VALUES
    ('GitHub', 'Authorization: Bearer {token}', NULL, 'https://api.github.com', NULL),
    ('Stripe', 'Authorization: Bearer {token}', NULL, 'https://api.stripe.com', NULL),
    ('OpenAI', 'Authorization: Bearer {token}', NULL, 'https://api.openai.com', NULL),
    ('NocoDB', 'xc-token: {token}', NULL, NULL, 1);
