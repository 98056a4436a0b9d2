"""Tests of the infrastructure adapters, each on every configured backend."""
