"""Trustpilot: service reviews by webhook or polling, and the company's public reply."""
