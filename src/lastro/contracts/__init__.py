"""What modules publish to each other: events and query protocols. Imports only ``lastro.kit``."""
