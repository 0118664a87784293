"""Services: every write to the database goes through one of these modules.

Each public write runs in one transaction and records one audit entry;
refusals raise `mzdesk.errors.DomainError` subclasses with a Chinese message.
"""
