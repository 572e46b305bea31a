"""Activity projection (facts from other services), dormancy suggestions and evaluations."""
