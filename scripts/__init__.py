"""Benchmarks and calibration (run as `python -m scripts.<name>` from the project root);
they share one measuring helper, scripts/measure.py."""
