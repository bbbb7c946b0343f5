"""Alerts: situations someone should act on, found by `rating-portal alerts`, each stored once."""
