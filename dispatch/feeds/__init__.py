"""Services' feeds: outbox and delivery of cards, status updates back, follow-up, EIDO export."""
