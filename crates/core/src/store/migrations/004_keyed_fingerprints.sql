-- 004: keys the user adds (origin 'imported') are fingerprinted with HMAC-SHA256 under a
-- per-install key from the keychain instead of plain SHA-256 (see fingerprint.rs). Rows written
-- before are rewritten once, in Rust, when that key can be read (keyed_fingerprints.rs); the
-- meta entry 'fingerprints' = 'keyed' records that it was done. A database holding no added key
-- has nothing to rewrite and is marked at once, so opening it never needs the keychain.
INSERT INTO meta (key, value)
    SELECT 'fingerprints', 'keyed'
    WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE origin = 'imported');

-- An added key that arrived in a vault file without its secret has no fingerprint here (the
-- file cannot carry one this install could compare): it is stored as ''. Uniqueness and lookups
-- are over known fingerprints only; lookups repeat the `fingerprint != ''` term so SQLite uses
-- this partial index.
DROP INDEX tokens_live_fingerprint;
CREATE UNIQUE INDEX tokens_live_fingerprint ON tokens(fingerprint)
    WHERE status != 'deleted' AND fingerprint != '';
