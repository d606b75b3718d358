"""Keeping the data safe: backups, consistency checks, moving to another database."""
