"""Plain helpers the tests share (real imports, batches with known defects); fixtures live in conftest.py."""
