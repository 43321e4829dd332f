"""Ecuapass "Usuario General" self-registration service."""
