"""Regions, districts and point resolution on the real boundaries of Uzbekistan."""
