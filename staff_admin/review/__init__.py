"""Review queue of excluded ratings, the officer's own view and appeals."""
