"""The service's database: schema, engine (SQLite or PostgreSQL), hash-chained audit, trials and accounts."""
