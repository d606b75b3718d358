"""Excel in and out: upper-level lists and old registers, dispatch sheets and replies, case exports."""
