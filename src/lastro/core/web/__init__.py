"""HTTP layer shared by every module: errors, request pipeline, auth dependencies, idempotency,
metrics, and the server-rendered shell (login, branded layout, home)."""
