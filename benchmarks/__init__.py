"""GPUForge benchmarks against the DigitalOcean simulator (not part of the test suite)."""
