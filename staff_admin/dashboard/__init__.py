"""Unit dashboard and ratings browser (read-only staff views over ratings and scoring results)."""
