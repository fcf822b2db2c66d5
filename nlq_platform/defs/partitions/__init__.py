"""The log partitions concern: daily partitions ahead of time, retention (archive, then drop)."""
