"""E-mail: the SMTP connection, the outbox that retries, and the texts of each kind of mail."""
