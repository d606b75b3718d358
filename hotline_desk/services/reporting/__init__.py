"""Month figures: statistics, unit scores and the bulletin built from them."""
