"""``HTTPError``: an exception carrying an HTTP status, for API Gateway integrations."""
