"""dispatch112: call handling for the national 112 emergency centre."""
