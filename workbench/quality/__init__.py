"""Quality measures of batches, channels, fields and the pool, and their charts."""
