"""Monthly and one-off payments: batches, their lines, and the bank's files."""
