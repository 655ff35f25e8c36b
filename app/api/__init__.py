"""The JSON HTTP API (``/api/v1``) and health probes: thin routers over the services."""
