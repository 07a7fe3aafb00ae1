"""Wellbeing after traumatic calls (issue 29): a break offered, a debrief flagged, reports."""
