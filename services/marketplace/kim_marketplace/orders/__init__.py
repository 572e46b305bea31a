"""Orders of buyers for live listings of one seller, and inquiries about products."""
