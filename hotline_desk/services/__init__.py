"""Use cases: every rule of the office lives here; callers open the session and commit."""
