"""BengoBox POS edge agent: the outlet device that sells with no connectivity."""
