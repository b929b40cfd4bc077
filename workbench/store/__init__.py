"""The pool: connections and the lock, the schema, the event log, SQL helpers, file writers, backups."""
