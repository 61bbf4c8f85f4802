"""Pure rules of the hub: no I/O, no clock, no environment."""
