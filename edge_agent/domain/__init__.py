"""Pure rules of the outlet device: no I/O, no clock, no environment."""
