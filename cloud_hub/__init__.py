"""BengoBox POS cloud hub: registry, enrollment, sync server and authoritative store."""
