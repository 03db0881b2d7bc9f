-- Notes, and the outbox their writes fill in the same transaction.

CREATE TABLE notes (
    id          uuid PRIMARY KEY,
    title       varchar(200) NOT NULL,
    content     text         NOT NULL,
    created_by  text         NOT NULL,
    version     bigint       NOT NULL,
    created_at  timestamptz  NOT NULL,
    updated_at  timestamptz  NOT NULL
);

-- "my notes, newest first" and "all notes, newest first"
CREATE INDEX notes_owner_newest ON notes (created_by, created_at DESC, id DESC);
CREATE INDEX notes_newest ON notes (created_at DESC, id DESC);

-- One row per event not yet acknowledged by Kafka. The relay reads in id order and deletes a row only
-- after the broker acknowledged it. Writes to one note take the note's row lock before inserting here,
-- so one note's rows are in commit order.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid        NOT NULL,
    note_id      uuid        NOT NULL,
    event_type   text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    payload      bytea       NOT NULL,
    enqueued_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Records Kafka refused for good (too large, say), with the broker's error. The relay moves a row here
-- and goes on; an operator may fix and re-insert it into the outbox.
CREATE TABLE outbox_dead_letter (
    id           bigint      PRIMARY KEY,
    event_id     uuid        NOT NULL,
    note_id      uuid        NOT NULL,
    event_type   text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    payload      bytea       NOT NULL,
    error        text        NOT NULL,
    failed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
