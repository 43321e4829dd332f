"""Chalice blueprints, one per area: parse the request, call the domain, shape the answer."""
