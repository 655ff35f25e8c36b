"""The company's knowledge library: uploaded documents cited beside the built-in playbooks."""
