-- The bounce emails themselves (issue 12, replay): the evidence rows of a DSN keep the parsed record; the email is
-- kept here once (by its SHA-256, the dedup key's middle part: dsn:<sha256>:<recipient>) so that replay can parse it
-- again with the running build's BounceParser. Emails above 1 MiB are not kept (their records keep their recorded
-- classification in replay). Portable SQL; times are epoch milliseconds. Versions V21-V29 belong to suppression management.
CREATE TABLE bounce_mail (
    sha256      VARCHAR(64) PRIMARY KEY,
    received_at BIGINT      NOT NULL,
    raw         ${binary}   NOT NULL
);
