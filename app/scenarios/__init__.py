"""Role-play scenarios: the YAML schema, loading and the registry."""
