"""The office's own lists and settings: units, categories, channels, calendar, rules."""
