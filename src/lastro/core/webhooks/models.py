"""Tables of the webhooks service."""
