"""The scale benchmark (issue 9): see run.py and the README's Benchmark section."""
