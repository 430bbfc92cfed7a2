-- 002: what each token looked like the last time it was shared through a vault file (exported or
-- merged), so an import can tell "they changed it" from "we changed it" from "both changed it".
-- Only a SHA-256 over the token's shared fields is kept; never a secret.
CREATE TABLE merge_base (
    token_id      TEXT PRIMARY KEY REFERENCES tokens(id),
    content_hash  TEXT NOT NULL
) STRICT;
