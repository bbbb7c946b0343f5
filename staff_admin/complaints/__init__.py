"""Complaint cases opened from citizen ratings: the staff workflow and the contact-details purge."""
