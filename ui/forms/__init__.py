"""Forms (QDialogs) that write through the services."""
