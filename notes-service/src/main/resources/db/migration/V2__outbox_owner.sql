-- The owner of each event's note travels with its record as the CloudEvents extension header ce_owner, so a
-- consumer (the gateway's replay readers) can apply the read rule without parsing the value. Rows written
-- before this migration have none; their records go without the header.
alter table outbox add column owner text;
alter table outbox_dead_letter add column owner text;
