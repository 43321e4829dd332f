"""DynamoDB adapters (PynamoDB) for the domain's ports."""
