"""Structured protocols for first aid and crisis (issue 24): versioned definitions, their
review and approval, and the walk of one on a card."""
