"""Tables of the exports service."""
