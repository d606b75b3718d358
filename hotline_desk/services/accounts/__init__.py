"""People and trust: users, login, permissions and the hash-chained audit trail."""
