"""The generator of test leads with ground truth, for tests and benchmarks."""
