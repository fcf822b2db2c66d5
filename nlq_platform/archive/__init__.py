"""The logs archive: finished days as Parquet files (file:// or gs://), queried with DuckDB."""
