"""A real Label Studio for the connector tests: install, template data dir, server, client."""
