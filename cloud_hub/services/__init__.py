"""Use cases of the hub: registry, enrollment, reference data, sync, reports."""
