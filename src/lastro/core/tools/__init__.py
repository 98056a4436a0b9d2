"""Support tools exposed over the API (the Brazilian-format inspector)."""
