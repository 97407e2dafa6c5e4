"""ANALYZE the tables PostgreSQL's autovacuum would: the benchmarks' stand-in for it where it is switched off.

The project machine's PostgreSQL runs with autovacuum off (/etc/postgresql/15/main/conf.d/90-ci.conf). Then a
scratch database's tables are never analyzed, and the plans PostgreSQL caches for prepared statements and for
foreign-key checks stay those made when the tables were empty or tiny: scans that read every order of the
tenant to find one. A checkout's cost then grows with the number of orders written before it (the settle-and-read
statement from 0.29 to 0.72 ms over 3,000 orders, the order's insert from 0.51 to 1.40 ms: its lines' and
payment's foreign-key checks). Production runs autovacuum, which analyzes a table once more rows than
`autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × its rows` changed since it last did; an
ANALYZE invalidates the cached plans that read the table, so they are made again for its size.
"""

from __future__ import annotations

import psycopg

_DUE = """
SELECT s.relid::regclass::text
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::int
        + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
"""


def analyze_due_tables(url: str) -> list[str]:
    """ANALYZE each table of the database at `url` that autovacuum's rule says is due; their names."""
    with psycopg.connect(url, autocommit=True) as connection:
        due = [name for (name,) in connection.execute(_DUE)]
        for name in due:
            connection.execute(f"ANALYZE {name}")  # a regclass's text: quoted where it needs to be
    return due
