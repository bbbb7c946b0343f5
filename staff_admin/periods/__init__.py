"""Scoring periods (open -> scored -> closed), the HR export of closed periods and the HR import."""
