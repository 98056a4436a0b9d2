"""Users, login by CPF or e-mail, tokens (JWT access + rotating refresh), roles and permissions."""
