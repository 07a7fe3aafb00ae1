"""Caller feedback by SMS (issue 28): a survey after a closed card, replies, opt-outs, reports."""
