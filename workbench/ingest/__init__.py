"""Files in: reading, header mapping, standardising, validating, importing; channels and their gate."""
