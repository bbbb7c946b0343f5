"""The bias audit of a scored period, for HR and admins."""
