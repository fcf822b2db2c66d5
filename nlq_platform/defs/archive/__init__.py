"""The logs archive concern: each finished day to Parquet (file or GCS), optionally into BigQuery."""
