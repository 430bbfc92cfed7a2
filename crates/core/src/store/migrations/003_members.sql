-- 003: team members, the people whose vault files this install trusts and to whom
-- `tok export --team` encrypts. A member is a name and a member key (docs/vault-format.md): the
-- age recipient files are encrypted to, and the Ed25519 key their files are signed with. Public
-- keys only, never a secret.
CREATE TABLE members (
    name           TEXT NOT NULL,
    -- The name trimmed and lowercased: names are unique without case, like token names.
    name_key       TEXT NOT NULL UNIQUE,
    age_recipient  TEXT NOT NULL,
    -- The 32-byte Ed25519 public key as 64 lowercase hex digits; one member per key.
    signing_key    TEXT NOT NULL UNIQUE,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL
) STRICT;
