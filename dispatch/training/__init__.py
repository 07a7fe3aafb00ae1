"""Training (issue 29): programmes, sessions and their effect on QA scores."""
