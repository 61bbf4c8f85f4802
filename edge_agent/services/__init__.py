"""Use cases of the outlet device: each runs domain rules in one store transaction."""
