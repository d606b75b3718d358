"""The demo month: July 2022 of the model office, built through the ordinary services."""
