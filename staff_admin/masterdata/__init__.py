"""Master data: units, counters, employees, the duty roster, users and roles."""
