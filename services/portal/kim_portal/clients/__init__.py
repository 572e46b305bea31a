"""One client per service: each names the endpoints the portal uses, nothing else."""
