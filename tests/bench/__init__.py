"""Benchmarks (`make bench`): throughput as ratios against raw baselines of the same run."""
