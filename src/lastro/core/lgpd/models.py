"""Tables of the lgpd service."""
