"""Scoring as a background job: queued from the web, run by `rating-portal worker`."""
