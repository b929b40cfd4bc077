"""What the pool knows of people: membership, golden leads, decisions, review, undo and restore."""
