"""The case workflow: registration, the transition table, history replay, queues and search."""
