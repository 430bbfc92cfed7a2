-- 002: the versions of each token this install has shared through vault files (exported, or
-- received in an import), as SHA-256 hashes of the token's shared fields. An import compares
-- them with the versions the other side has shared, to tell "they changed it" from "we changed
-- it" from "both changed it". Never a secret.
CREATE TABLE token_history (
    token_id      TEXT NOT NULL REFERENCES tokens(id),
    content_hash  TEXT NOT NULL,
    PRIMARY KEY (token_id, content_hash)
) STRICT;
