"""The command-line interface. It adds presentation only; every capability is in the API."""
