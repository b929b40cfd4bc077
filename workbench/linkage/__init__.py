"""Who is who: the Splink model, linking the pool and new batches, clusters, tuning, files alone."""
