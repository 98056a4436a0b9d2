"""Tenants (client companies) and their lifecycle, managed by platform administrators."""
