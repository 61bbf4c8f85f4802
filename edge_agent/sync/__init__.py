"""The agent's side of the sync protocol: hub client, credentials, enrollment, scheduler."""
